export { FleetPage } from './FleetPage';
export { FleetContent } from './FleetContent';
export { FleetIcon } from './FleetIcon';
