export { SyncCard } from './SyncCard';
export type { SyncCardProps } from './SyncCard';
