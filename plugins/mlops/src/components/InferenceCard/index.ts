export { InferenceCard } from './InferenceCard';
export type { InferenceCardProps } from './InferenceCard';
