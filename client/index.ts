export * from './errors';
export * from './reins-client';
export * from './run-queries';
export * from './agent-file';
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
export { reinsClientPlugin, type ReinsClientPluginOptions } from './client-plugin';
