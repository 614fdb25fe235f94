export * from './errors';
export * from './reins-client';
export * from './agent-file';
