export { GpuFleetPage } from './GpuFleetPage';
export { GpuFleetContent } from './GpuFleetContent';
export { GpuFleetIcon } from './GpuFleetIcon';
