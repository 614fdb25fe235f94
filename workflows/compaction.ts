import type { ChatMessage } from '../common/chat';
import type { ContextSettings } from '../common/context-settings';

/** Transcript positions that are never summarised: the system instructions and the user's task. */
const PINNED = 2;
export const SUMMARY_PREFIX = '[Summary of the conversation so far]';

/** Known token counts plus a cautious estimate (3 characters per token) for messages not yet counted. */
export function estimateTokens(transcript: ChatMessage[], counted: ReadonlyArray<number | undefined>): number {
  return transcript.reduce((sum, message, index) => {
    const known = counted[index];
    if (known !== undefined) return sum + known;
    const extra = message.role === 'assistant' ? JSON.stringify(message.toolCalls ?? []).length : 0;
    return sum + Math.ceil(((message.content ?? '').length + extra) / 3) + 4;
  }, 0);
}

/**
 * Which stretch [start, upTo) to summarise, or undefined when there is nothing worth it. The cut lands at the start of
 * an assistant turn, so a tool call is never separated from its results, and at least `keepRecentMessages` stay.
 */
export function planCompaction(
  transcript: ChatMessage[],
  settings: Pick<ContextSettings, 'keepRecentMessages'>,
): { start: number; upTo: number } | undefined {
  const latestAllowed = transcript.length - settings.keepRecentMessages;
  for (let cut = latestAllowed; cut > PINNED; cut -= 1) {
    if (transcript[cut]?.role === 'assistant') {
      // Summarising a single earlier summary would gain nothing.
      const onlySummary = cut - PINNED === 1 && transcript[PINNED]?.content?.startsWith(SUMMARY_PREFIX);
      return onlySummary ? undefined : { start: PINNED, upTo: cut };
    }
  }
  return undefined;
}

export function summaryMessage(summary: string): ChatMessage {
  return { role: 'user', content: `${SUMMARY_PREFIX}\n${summary}` };
}
