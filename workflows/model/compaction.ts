import type { ChatMessage } from '../../common/chat';
import type { ContextSettings } from '../../common/context-settings';
import { countOrUndefined, textOf } from '../../common/text';

/** Transcript positions that are never summarised: the system instructions and the user's task. */
export const PINNED = 2;
export const SUMMARY_PREFIX = '[Summary of the conversation so far]';

/** Characters a message puts in a prompt: its content and, for a model turn, its tool calls. Any value counts. */
export function messageChars(message: ChatMessage): number {
  const loose = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
  const calls = loose.role === 'assistant' ? textOf(loose.toolCalls ?? []).length : 0;
  return textOf(loose.content).length + calls;
}

/** A cautious estimate (3 characters per token, plus framing) of a message not yet counted. */
export const estimateMessage = (message: ChatMessage): number => Math.ceil(messageChars(message) / 3) + 4;

/**
 * Known token counts plus a cautious estimate for messages not yet counted. Never throws, whatever the transcript
 * holds: a count that is not a finite non-negative number is treated as unknown.
 */
export function estimateTokens(transcript: ChatMessage[], counted: ReadonlyArray<number | undefined>): number {
  let sum = 0;
  if (!Array.isArray(transcript)) return sum;
  for (let index = 0; index < transcript.length; index += 1) {
    sum += countOrUndefined(Array.isArray(counted) ? counted[index] : undefined) ?? estimateMessage(transcript[index]!);
  }
  return sum;
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
