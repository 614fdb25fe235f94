export { agentRun } from './agent-run';
export { userSpend } from './user-spend';
export { providerHealth } from './provider-health';
