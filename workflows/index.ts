export { agentRun } from './agent-run';
export { userSpend } from './ledgers/user-spend-workflow';
export { providerHealth } from './ledgers/provider-health-workflow';
