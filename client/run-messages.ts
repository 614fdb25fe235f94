import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { parseApprovalDecision, type ApprovalDecision } from '../common/approval';
import {
  applyPolicyUpdate,
  ApplyPolicyRequestSchema,
  decideSignal,
  decideUpdate,
  type ApplyPolicyRequest,
} from '../common/messages';
import type { DecisionReceipt, PolicyChange } from '../common/run-state';
import { describeZodIssues } from '../common/zod-issues';
import { DecisionRefusedError, PolicyApplyRefusedError, RunNotFoundError } from './errors';
import { answeredWithin, endedOrMissing, notFoundAware } from './run-answers';

/** What a run's update handler refused with: its own words, not Temporal's wrapping. */
function refusalText(error: WorkflowUpdateFailedError): string {
  return error.cause instanceof Error ? error.cause.message : error.message;
}

/** A decision, by update (answered with the recorded decision or a refusal) or by signal (delivered, not judged). */
export async function sendDecision(
  temporal: Client,
  handle: WorkflowHandle,
  raw: ApprovalDecision,
  options: { via?: 'update' | 'signal'; timeoutMs?: number },
): Promise<DecisionReceipt | undefined> {
  const parsed = parseApprovalDecision(raw);
  if (!parsed.ok) throw new DecisionRefusedError(`invalid decision: ${parsed.message}`);
  const runId = handle.workflowId;
  try {
    if (options.via === 'signal') {
      await notFoundAware(runId, () => handle.signal(decideSignal, parsed.value));
      return undefined;
    }
    return await answeredWithin(temporal, handle, options.timeoutMs, () =>
      handle.executeUpdate(decideUpdate, { args: [parsed.value] }),
    );
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new DecisionRefusedError(refusalText(error));
    if (error instanceof RunNotFoundError) throw await endedOrMissing(handle, runId, error);
    throw error;
  }
}

/** Asks a running run to take the workers' current platform policy; answered with what changed. */
export async function sendPolicyApply(
  temporal: Client,
  handle: WorkflowHandle,
  raw: ApplyPolicyRequest,
  options: { timeoutMs?: number },
): Promise<PolicyChange> {
  const parsed = ApplyPolicyRequestSchema.safeParse(raw);
  if (!parsed.success) throw new PolicyApplyRefusedError(`invalid request: ${describeZodIssues(parsed.error)}`);
  try {
    return await answeredWithin(temporal, handle, options.timeoutMs, () =>
      handle.executeUpdate(applyPolicyUpdate, { args: [parsed.data] }),
    );
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new PolicyApplyRefusedError(refusalText(error));
    if (error instanceof RunNotFoundError) {
      const refused = (message: string) => new PolicyApplyRefusedError(message);
      throw await endedOrMissing(handle, handle.workflowId, error, refused, 'it keeps its policy');
    }
    throw error;
  }
}
