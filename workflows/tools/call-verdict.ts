import { ErrorType } from '../../common/errors';
import type { DecisionRecord, ToolCallRecord } from '../../common/run-state';
import { toolError, type PreparedCall } from './prepare-call';

/**
 * What becomes of a prepared call once its gate (if any) is decided: it runs, with the arguments a person may have
 * edited and a summary for the Temporal UI, or it does not, with the outcome to record and what the model reads.
 */
export type CallVerdict =
  | { run: true; args: unknown; summary: string }
  | { run: false; outcome: ToolCallRecord['outcome']; detail: string; message: string };

export function callVerdict(call: PreparedCall, decision: DecisionRecord | undefined): CallVerdict {
  if (call.refusal || !call.definition) {
    const message = call.refusal?.message ?? toolError(ErrorType.ToolUnknown, call.request.name);
    return { run: false, outcome: call.refusal?.outcome ?? 'unknown_tool', detail: message, message };
  }
  const toolClass = call.toolClass ?? call.definition.class;
  const summary = call.server
    ? `mcp ${call.definition.policyName ?? call.request.name} · ${toolClass}`
    : `tool ${call.request.name} · ${toolClass}`;
  if (!call.approvalRule) return { run: true, args: call.args, summary };
  if (decision?.decision !== 'approve') {
    const why = `rejected by ${decision?.by ?? 'nobody'}${decision?.reason ? `: ${decision.reason}` : ''}`;
    return {
      run: false,
      outcome: 'rejected',
      detail: why,
      message: toolError(ErrorType.ToolDenied, `a human did not approve this call (${why})`),
    };
  }
  return {
    run: true,
    args: decision.editedArgs ?? call.args,
    summary: `${summary} · approved by ${decision.by}${decision.editedArgs ? ' (edited)' : ''}`,
  };
}
