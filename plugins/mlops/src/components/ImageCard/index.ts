export { ImageCard } from './ImageCard';
export type { ImageCardProps } from './ImageCard';
