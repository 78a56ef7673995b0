export * from './route';
export * from './fields';
export * from './openapi';
export * from './catalog';
export * from './user-progress';
export * from './notification';
export * from './gateway';
export * from './public-api';
