export { StatusText, VisuallyHidden } from './StatusText';
export { ProblemPanel, problemTitle } from './ProblemPanel';
export { RequestError, RetryButton } from './RetryButton';
export { useEntityHealth } from './useEntityHealth';
export { MISSING, ago, duration, percent, shortSha } from './format';
export { readableCells } from './tableStyles';
export { PathText, pathCell } from './PathText';
