import type { AgentSpec } from '../../common/agent-spec';
import type { RunState } from '../../common/run-state';
import type { ApprovalBook } from '../approvals/approval-book';
import type { PreparedCall } from './prepare-call';

/** The id of the one rerun a person may allow for an interrupted call; a rerun is not offered a rerun itself. */
export const RERUN_SUFFIX = '-rerun';

export const RERUN_RULE =
  'an earlier attempt of this call was interrupted and may or may not have taken effect: run it again?';

/**
 * When the spec asks a person about interrupted calls (`approvals.onOutcomeUnknown: approval`), the call just settled
 * as `interrupted` again as a new call, behind a gate, with the arguments that ran. Pure: the caller opens the gate.
 */
export function rerunOf(
  call: PreparedCall,
  spec: AgentSpec,
  state: Pick<RunState, 'toolCalls'>,
  book: Pick<ApprovalBook, 'decisionFor'>,
): PreparedCall | undefined {
  if (spec.approvals.onOutcomeUnknown !== 'approval' || call.callId.endsWith(RERUN_SUFFIX)) return undefined;
  const last = state.toolCalls.at(-1);
  if (last?.callId !== call.callId || last.outcome !== 'interrupted') return undefined;
  const ran = book.decisionFor(call.callId)?.editedArgs ?? call.args;
  return {
    ...call,
    callId: `${call.callId}${RERUN_SUFFIX}`,
    approvalRule: RERUN_RULE,
    ...(ran ? { args: ran } : {}),
  };
}
