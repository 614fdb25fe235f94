import type { ToolCallRequest } from '../../common/chat';
import type { RunRecord } from '../../common/run-state';
import { resolveCallPaths } from './call-paths';
import { transcriptCalls } from './tool-call-bounds';
import { capToolCalls, prepareCall, type PreparedCall, type ToolCatalog } from './prepare-call';
import { classifyCalls } from './tool-calls';

/** A turn's tool calls, ready for gates and settling, and the assistant message's calls as the transcript keeps them. */
export interface TurnCalls {
  calls: PreparedCall[];
  transcriptCalls: ToolCallRequest[];
  /** Some arguments were cut for the transcript, so the provider's output count no longer describes the message. */
  cut: boolean;
}

/**
 * Everything that happens to a turn's calls before any of them waits or runs: per-call classes and workspace paths
 * (recorded activities), validation and policy for each call, then the tool-call budget over the turn.
 */
export async function prepareTurnCalls(
  requests: ToolCallRequest[],
  catalog: ToolCatalog,
  state: Pick<RunRecord, 'step' | 'agent' | 'workspace' | 'limits' | 'usage'>,
): Promise<TurnCalls> {
  const perCallClasses = await classifyCalls(requests, catalog);
  const paths = await resolveCallPaths(requests, catalog, perCallClasses, state);
  const prepared = capToolCalls(
    requests.map((request, index) =>
      prepareCall(request, `${state.step}-${index + 1}`, catalog, perCallClasses.get(index), paths.get(index)),
    ),
    state.limits.maxToolCalls,
    state.usage.toolCalls,
  );
  // Refused calls keep a bounded form of their arguments, in the transcript and in a carried turn alike.
  const kept = transcriptCalls(prepared);
  return {
    calls: prepared.map((call, index) => ({ ...call, request: kept.toolCalls[index]! })),
    transcriptCalls: kept.toolCalls,
    cut: kept.cut,
  };
}
