import type { ChatMessage } from '../common/chat';
import type { RunState } from '../common/run-state';

// Tool-call arguments as the audit trail shows them: whole, or as a digest of their canonical JSON.

/** Globs from REINS_AUDIT_HASH_ARGS (comma or space separated), e.g. `send_*,mcp__vault__*`. */
export function hashArgsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.REINS_AUDIT_HASH_ARGS ?? '').split(/[\s,]+/).filter((glob) => glob !== '');
}

function parseArgs(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The arguments the model asked each call with, by call id (`<step>-<n>`), from the transcript. */
export function requestedArgs(transcript: ChatMessage[], state: RunState): Map<string, unknown> {
  const byCall = new Map<string, unknown>();
  // Transcript tool-call ids are the model's; the call id is the step and position in that step's turn.
  const assistantTurns = transcript.filter((m) => m.role === 'assistant');
  const stepsWithCalls = [...new Set(state.toolCalls.map((call) => call.step))].sort((a, b) => a - b);
  const turnsWithCalls = assistantTurns.filter((m) => m.role === 'assistant' && (m.toolCalls?.length ?? 0) > 0);
  // Compaction drops old turns from the front, so align from the end.
  const offset = turnsWithCalls.length - stepsWithCalls.length;
  stepsWithCalls.forEach((step, index) => {
    const turn = turnsWithCalls[index + offset];
    if (!turn || turn.role !== 'assistant') return;
    turn.toolCalls?.forEach((call, position) => byCall.set(`${step}-${position + 1}`, parseArgs(call.arguments)));
  });
  return byCall;
}
