import type { AgentSpec } from '../../common/agent-spec';
import type { ChatMessage, ConversationDelta, ModelTurn, SummaryResult, ToolDefinition } from '../../common/chat';
import type { CompactionRecord } from '../../common/run-state';
import { countOrUndefined, textOf } from '../../common/text';
import { promptAllowance } from '../budget/run-limits';
import { estimateMessage, estimateTokens, planCompaction, summaryMessage } from './compaction';
import { cutsToFit, latestTurnStart, planSummary } from './context-fit';
import { ConversationCursor } from './conversation-cursor';

/** Tokens a summary message adds beyond the summary itself: its prefix and framing. */
const SUMMARY_FRAMING = 8;

/**
 * The transcript the model sees, its per-message token counts, and the cursor into the conversation store. Keeps the
 * prompt inside the window by replacing older turns with a summary and, as the last resort, cutting the latest turn.
 * Runs started before that last resort existed (`fit` false) keep the plan they were recorded with: summaries of
 * stored messages only, and no cuts.
 */
export class ContextWindow {
  readonly cursor: ConversationCursor;

  constructor(
    private readonly spec: AgentSpec,
    readonly transcript: ChatMessage[],
    readonly tokens: Array<number | null>,
    chainId: string,
    conversation?: { epoch: number; stored: number },
    private readonly fit = false,
  ) {
    this.cursor = new ConversationCursor(chainId, conversation?.epoch, conversation?.stored);
  }

  push(message: ChatMessage, tokens: number | null = null): void {
    this.transcript.push(message);
    this.tokens.push(tokens);
  }

  /** The prompt may use the window minus what the response needs, and never less than nothing. */
  maxPromptTokens(maxOutputTokens: number | undefined): number {
    return promptAllowance(this.spec.model.contextWindow, maxOutputTokens ?? this.spec.model.outputReserve);
  }

  /** Past this the older turns are summarised. */
  private threshold(maxOutputTokens: number | undefined): number {
    return this.spec.context.compactAt * this.maxPromptTokens(maxOutputTokens);
  }

  private toolTokens(tools: ToolDefinition[]): number {
    return Math.ceil(textOf(tools).length / 3);
  }

  /** Each message's tokens: the count when known, else a cautious estimate. */
  private sizes(): number[] {
    return this.transcript.map((message, i) => countOrUndefined(this.tokens[i]) ?? estimateMessage(message));
  }

  private estimate(tools: ToolDefinition[]): number {
    const counted = this.tokens.map((t) => t ?? undefined);
    return estimateTokens(this.transcript, counted) + this.toolTokens(tools);
  }

  shouldCompact(tools: ToolDefinition[], maxOutputTokens: number | undefined): boolean {
    return this.estimate(tools) > this.threshold(maxOutputTokens);
  }

  /** The sum of the counts of everything already stored, if every one is known. */
  storedTokens(): number | undefined {
    let sum = 0;
    for (let i = 0; i < this.cursor.stored; i += 1) {
      const count = countOrUndefined(this.tokens[i]);
      if (count === undefined) return undefined;
      sum += count;
    }
    return sum;
  }

  /** After a successful call: the counts of what it sent, and the stored length. */
  accept(turn: ModelTurn, sentFrom: number): void {
    this.learn(sentFrom, turn.newMessageTokens);
    this.cursor.advance(this.transcript.length);
  }

  /** Exact counts of the messages from `from` on, e.g. from a refused prompt; anything but counts is ignored. */
  learn(from: number, counts: unknown): void {
    if (!Array.isArray(counts)) return;
    (counts as unknown[]).forEach((count, offset) => {
      const index = from + offset;
      if (index < this.tokens.length) this.tokens[index] = countOrUndefined(count) ?? null;
    });
  }

  /**
   * The stretch to summarise, or undefined. Legacy runs: limited to what the store holds. Otherwise any message
   * before the latest turn; the summary request then carries the part the store does not hold yet.
   */
  plan(tools: ToolDefinition[], maxOutputTokens: number | undefined): { start: number; upTo: number } | undefined {
    if (!this.fit) {
      const stored = this.transcript.slice(0, this.cursor.stored);
      const recent = Math.max(this.spec.context.keepRecentMessages - (this.transcript.length - stored.length), 0);
      return planCompaction(stored, { keepRecentMessages: recent });
    }
    return planSummary(this.transcript, this.sizes(), {
      keepRecentMessages: this.spec.context.keepRecentMessages,
      summaryAllowance: this.spec.context.summaryMaxTokens + SUMMARY_FRAMING,
      headroomTarget: this.threshold(maxOutputTokens) / 2,
      fixedTokens: this.toolTokens(tools),
    });
  }

  /** What a summary of [0, upTo) needs sent along: the messages the store does not hold yet, if any. */
  unsent(upTo: number, tools: ToolDefinition[]): ConversationDelta | undefined {
    return upTo > this.cursor.stored ? this.cursor.delta(this.transcript.slice(0, upTo), tools) : undefined;
  }

  /**
   * The last resort, when the prompt would not fit: cuts the latest turn's messages (never stored ones) so the prompt
   * takes at most `squeeze` of the compaction threshold, each with a marker saying how much was left out. True when
   * anything was cut. A prompt under the window is left alone, unless a call already refused it (`refused`).
   */
  cutLatestTurn(
    tools: ToolDefinition[],
    maxOutputTokens: number | undefined,
    options: { refused: boolean; squeeze: number },
  ): boolean {
    if (!this.fit) return false;
    const from = Math.max(latestTurnStart(this.transcript), this.cursor.stored);
    const estimate = this.estimate(tools);
    if (!options.refused && estimate <= this.maxPromptTokens(maxOutputTokens)) return false;
    let target = this.threshold(maxOutputTokens);
    // A refusal the estimate does not explain (a provider's own count): aim well under what was sent.
    if (options.refused) target = Math.min(target, estimate * 0.75);
    target = target * options.squeeze - this.toolTokens(tools);
    const cuts = cutsToFit(this.transcript, this.sizes(), from, target);
    for (const { index, message } of cuts) {
      this.transcript[index] = message;
      this.tokens[index] = null;
    }
    return cuts.length > 0;
  }

  /** Replaces [start, upTo) with the summary and starts a new stored conversation. */
  apply(plan: { start: number; upTo: number }, summary: SummaryResult, step: number, nowIso: string): CompactionRecord {
    const count = plan.upTo - plan.start;
    const counted = countOrUndefined(summary.summaryTokens);
    this.transcript.splice(plan.start, count, summaryMessage(textOf(summary.summary)));
    this.tokens.splice(plan.start, count, counted === undefined ? null : counted + 4);
    this.cursor.restart();
    return {
      step,
      replacedMessages: count,
      replacedTokens: summary.replacedTokens,
      summaryTokens: summary.summaryTokens,
      model: summary.model,
      at: nowIso,
    };
  }
}
