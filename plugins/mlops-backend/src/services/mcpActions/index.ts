export { registerMlopsActions } from './registerMlopsActions';
export type { MlopsActionsOptions } from './types';
