export { StatusText } from './StatusText';
export { ProblemPanel, problemTitle } from './ProblemPanel';
export { useEntityHealth } from './useEntityHealth';
export { MISSING, ago, duration, percent, shortSha } from './format';
