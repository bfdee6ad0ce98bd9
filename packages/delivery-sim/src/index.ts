export * from './types';
export * from './breaks';
export * from './git';
export * from './build';
export * from './kubelet';
export * from './serving';
export * from './gitops';
export * from './loop';
