import type { ChatMessage, ToolDefinition } from '../../common/chat';
import type { RunState } from '../../common/run-state';
import type { ContextWindow } from '../model/context-window';
import type { PreparedCall } from '../tools/prepare-call';

/**
 * What a run hands to its next execution when it continues as new: the compacted transcript and its token counts,
 * usage, budgets and start time (inside `state`), approval requests and decisions, the tools recorded at start, and
 * a turn still waiting on approval gates.
 */
export interface RunCarry {
  state: RunState;
  transcript: ChatMessage[];
  /** Token count per transcript message; null where not counted yet. */
  messageTokens: Array<number | null>;
  definitions: ToolDefinition[];
  conversation: { epoch: number; stored: number };
  pendingCalls?: PreparedCall[];
}

/** The carry for the next execution: the run as it stands, its transcript and counts, its tools, a waiting turn. */
export function carryOf(
  state: RunState,
  context: ContextWindow,
  definitions: Map<string, ToolDefinition>,
  pendingCalls?: PreparedCall[],
): RunCarry {
  return {
    state,
    transcript: context.transcript,
    messageTokens: context.tokens,
    definitions: [...definitions.values()],
    conversation: { epoch: context.cursor.epoch, stored: context.cursor.stored },
    ...(pendingCalls ? { pendingCalls } : {}),
  };
}
