import type { ChatMessage } from '../../common/chat';
import { cutMiddle } from '../../common/text';
import { messageChars, PINNED } from './compaction';

/**
 * Pure decisions that keep a prompt inside the model's window whatever the messages hold: which stretch to summarise
 * (any message before the latest turn, sent or not) and, as the last resort, how far to cut the latest turn's
 * messages (a tool's output, the model's own text and arguments) so the run goes on.
 */

/** No message of the latest turn is cut below this many tokens: the model still sees what it was. */
export const MIN_CUT_TOKENS = 64;
/** The cut aims a little under its token budget: chars-per-token is measured on the whole text, not the part kept. */
const CUT_SAFETY = 0.9;
export const FIT_MARKER = ' to fit the context window';

const sum = (values: readonly number[], from = 0, to = values.length) => {
  let total = 0;
  for (let i = from; i < to; i += 1) total += values[i] ?? 0;
  return total;
};

/** Where the latest turn starts: the model's last message, which with its tool results it has not seen yet. */
export function latestTurnStart(transcript: readonly ChatMessage[]): number {
  for (let i = transcript.length - 1; i >= PINNED; i -= 1) if (transcript[i]?.role === 'assistant') return i;
  return transcript.length;
}

export interface SummaryPlanOptions {
  keepRecentMessages: number;
  /** Tokens the summary may take at most: a stretch no larger gains nothing by being summarised. */
  summaryAllowance: number;
  /** After compaction, the pinned messages, the kept messages and the tools should take at most this. */
  headroomTarget: number;
  /** Tokens outside the transcript (the tool definitions). */
  fixedTokens: number;
}

/**
 * The stretch [PINNED, upTo) to summarise, over the whole transcript. The cut lands at the start of a model turn, so a
 * tool call is never separated from its results, and the latest turn is always kept. It keeps `keepRecentMessages`
 * when that leaves the prompt under the headroom target; otherwise it moves later, so the next steps do not compact
 * again at once. Undefined when no stretch is larger than the summary could be.
 */
export function planSummary(
  transcript: readonly ChatMessage[],
  sizes: readonly number[],
  options: SummaryPlanOptions,
): { start: number; upTo: number } | undefined {
  const latest = latestTurnStart(transcript);
  const cuts: number[] = [];
  for (let i = PINNED + 1; i <= latest && i < transcript.length; i += 1) {
    if (transcript[i]?.role === 'assistant') cuts.push(i);
  }
  if (cuts.length === 0) return undefined;
  const allowed = transcript.length - options.keepRecentMessages;
  const standard = cuts.filter((cut) => cut <= allowed).pop();
  const pinned = sum(sizes, 0, PINNED) + options.fixedTokens;
  const fits = (cut: number) => pinned + sum(sizes, cut) <= options.headroomTarget;
  const later = cuts.filter((cut) => standard === undefined || cut >= standard);
  const upTo = later.find(fits) ?? later[later.length - 1]!;
  return sum(sizes, PINNED, upTo) > options.summaryAllowance ? { start: PINNED, upTo } : undefined;
}

/**
 * The largest size every message may keep so that together they take at most `budget` (water-filling): messages
 * under it stay whole, larger ones are cut to it. Never below MIN_CUT_TOKENS.
 */
export function capFor(sizes: readonly number[], budget: number): number {
  const sorted = [...sizes].sort((a, b) => a - b);
  let remaining = budget;
  for (let i = 0; i < sorted.length; i += 1) {
    const share = remaining / (sorted.length - i);
    if (sorted[i]! > share) return Math.max(MIN_CUT_TOKENS, Math.floor(share));
    remaining -= sorted[i]!;
  }
  return Math.max(MIN_CUT_TOKENS, ...sorted);
}

/** A message cut to about `maxChars` characters, each text in it in proportion to its length, marked as cut. */
export function cutMessage(message: ChatMessage, maxChars: number): ChatMessage {
  const total = Math.max(messageChars(message), 1);
  const cut = (text: string) => {
    const share = Math.max(1, Math.floor((maxChars * text.length) / total));
    return cutMiddle(text, Math.max(share, Math.min(text.length, 160)), FIT_MARKER);
  };
  switch (message.role) {
    case 'system':
      return message;
    case 'user':
    case 'tool':
      return { ...message, content: cut(message.content) };
    case 'assistant':
      return {
        ...message,
        content: message.content === null ? null : cut(message.content),
        ...(message.toolCalls
          ? { toolCalls: message.toolCalls.map((call) => ({ ...call, arguments: cut(call.arguments) })) }
          : {}),
      };
  }
}

/**
 * Cuts of the messages from `from` on (the latest turn, not yet stored) so the whole prompt takes about `target`
 * tokens at most, or an empty list when it already does. `sizes` are the messages' token counts, exact or estimated.
 */
export function cutsToFit(
  transcript: readonly ChatMessage[],
  sizes: readonly number[],
  from: number,
  target: number,
): Array<{ index: number; message: ChatMessage }> {
  const tail = sizes.slice(from);
  const budget = target - sum(sizes, 0, from);
  if (tail.length === 0 || sum(tail) <= budget) return [];
  const cap = capFor(tail, budget);
  const cuts: Array<{ index: number; message: ChatMessage }> = [];
  tail.forEach((size, offset) => {
    const index = from + offset;
    const message = transcript[index]!;
    if (size <= cap || message.role === 'system') return;
    const charsPerToken = messageChars(message) / Math.max(size, 1);
    const maxChars = Math.max(1, Math.floor(cap * charsPerToken * CUT_SAFETY));
    const cut = cutMessage(message, maxChars);
    if (messageChars(cut) < messageChars(message)) cuts.push({ index, message: cut });
  });
  return cuts;
}
