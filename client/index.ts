export * from './errors';
export * from './reins-client';
export * from './run-queries';
export * from './agent-file';
export { defineAgent } from './define-agent';
export * from './prices';
export * from './usage-report';
export { signDecision, type SignDecisionOptions } from '../shared/identity/sign-decision';
export { bindingPayload } from '../common/identity/binding-payload';
export {
  CredentialFileError,
  loadDecisionKey,
  readTokenFile,
  signedDecisionCredential,
  tokenFileCredential,
} from './credentials';
export { decisionBinding } from '../common/identity/binding-payload';
export * from '../common/tools/define-tool';
export type { TemporalConnectOptions } from './temporal-connect';
export type { TemporalConnectionOverrides, TemporalConnectionSource } from '../shared/temporal-connection';
export { reinsClientPlugin, type ReinsClientPluginOptions } from './client-plugin';
// The contracts a caller reads and writes, as types only: importing them loads nothing.
export type { AgentSpec, AgentSpecInput, AgentTool } from '../common/agent-spec';
export type { ApprovalDecision } from '../common/approval';
export type { RunInputArgs } from '../common/run-input';
export type {
  ApprovalRequest,
  DecisionReceipt,
  DecisionRecord,
  PolicyChange,
  RunResult,
  RunState,
  RunStatus,
  ToolCallRecord,
} from '../common/run-state';
export type { ToolClass } from '../common/tool-class';
export * from './console';
