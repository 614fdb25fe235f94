import { DecisionRefusedError } from '../errors';
import type { ReinsClient } from '../reins-client';
import { decideRefusal } from './authz';
import { checkEditedArgs } from './edit-check';
import type { ConsoleIdentity } from './identity';

export interface DecisionAsked {
  runId: string;
  requestId: string;
  decision: 'approve' | 'reject';
  reason?: string;
  /** JSON text from the edit form. */
  editedArgs?: string;
}

export type DecisionOutcome = { ok: true; text: string } | { ok: false; text: string };

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * One decision, as the signed-in identity: the request must still be pending and theirs to decide, a rejection needs
 * a reason, edited arguments must match the tool's schema; then the run's `decide` update, whose refusal is shown.
 */
export async function decideAs(
  reins: ReinsClient,
  identity: ConsoleIdentity,
  asked: DecisionAsked,
): Promise<DecisionOutcome> {
  const what = `request ${asked.requestId} of run ${asked.runId}`;
  const reason = asked.reason?.trim() || undefined;
  if (asked.decision === 'reject' && !reason) return { ok: false, text: `reason: give a reason to reject ${what}` };
  let request;
  try {
    const state = await reins.getState(asked.runId);
    request = state.pendingApprovals.find((pending) => pending.requestId === asked.requestId);
  } catch (error) {
    return { ok: false, text: `${what}: ${messageOf(error)}` };
  }
  if (!request) return { ok: false, text: `${what} is no longer pending` };
  const refusal = decideRefusal(request, identity);
  if (refusal) return { ok: false, text: `${what}: ${refusal}` };
  let editedArgs: Record<string, unknown> | undefined;
  if (asked.editedArgs !== undefined && asked.decision === 'approve') {
    const check = checkEditedArgs(asked.editedArgs, request.parameters);
    if (!check.ok) return { ok: false, text: `${what} not sent: ${check.message}` };
    editedArgs = check.args;
  }
  try {
    const receipt = await reins.decide(asked.runId, {
      requestId: asked.requestId,
      decision: asked.decision,
      by: identity.userId,
      ...(reason ? { reason } : {}),
      ...(editedArgs ? { editedArgs } : {}),
    });
    if (receipt?.awaiting) {
      return {
        ok: true,
        text: `approval of ${request.tool} counted: ${receipt.awaiting.approvals} of ${receipt.awaiting.quorum}`,
      };
    }
    const verb =
      asked.decision === 'approve' ? (editedArgs ? 'approved with edited arguments' : 'approved') : 'rejected';
    return { ok: true, text: `${request.tool} ${verb} (${what})` };
  } catch (error) {
    const prefix = error instanceof DecisionRefusedError ? 'the run refused' : 'not sent';
    return { ok: false, text: `${what}: ${prefix}: ${messageOf(error)}` };
  }
}
