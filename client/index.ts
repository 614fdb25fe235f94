export * from './errors';
export * from './reins-client';
