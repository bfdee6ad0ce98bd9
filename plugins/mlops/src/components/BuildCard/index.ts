export { BuildCard } from './BuildCard';
export type { BuildCardProps } from './BuildCard';
