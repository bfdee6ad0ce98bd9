export { GpuCard } from './GpuCard';
export type { GpuCardProps } from './GpuCard';
