import type { ApprovalDecision } from '../approval';
import { argsDigest } from '../canonical-json';
import type { CredentialBinding } from './credentials';

/** How long a signed decision counts after it was signed: long enough to click through, too short to stockpile. */
export const SIGNED_DECISION_MAX_AGE_MS = 10 * 60_000;

/** The fields a signature must cover, in their canonical order. */
export const BINDING_FIELDS = ['purpose', 'workflowId', 'requestId', 'decision', 'argsDigest', 'claimedUser'] as const;

/** A binding as it is signed: the fields of BINDING_FIELDS that are set, nothing else. */
export type BindingPayload = Pick<CredentialBinding, (typeof BINDING_FIELDS)[number]>;

/**
 * The canonical form of a binding: a fresh object with the set fields in BINDING_FIELDS order and nothing else, so a
 * signer and a verifier that build it from the same binding produce the same JSON (JSON follows insertion order).
 */
export function bindingPayload(binding: CredentialBinding): BindingPayload {
  const entries = BINDING_FIELDS.flatMap((field) => (binding[field] === undefined ? [] : [[field, binding[field]]]));
  return Object.fromEntries(entries) as BindingPayload;
}

/** What a decision's credential must be about: one function for the run that verifies and the client that signs. */
export function decisionBinding(
  workflowId: string,
  decision: Pick<ApprovalDecision, 'requestId' | 'decision' | 'editedArgs' | 'by'>,
): CredentialBinding {
  return {
    purpose: 'decision',
    workflowId,
    requestId: decision.requestId,
    decision: decision.decision,
    ...(decision.editedArgs !== undefined ? { argsDigest: argsDigest(decision.editedArgs) } : {}),
    claimedUser: decision.by,
  };
}
