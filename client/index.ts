export * from './errors';
export * from './reins-client';
export * from './run-queries';
export * from './agent-file';
export * from './prices';
export * from './usage-report';
