export * from './types';
export * from './breaks';
export * from './git';
export * from './build';
