import type { AgentSpec } from '../common/agent-spec';
import type { ChatMessage, ModelTurn, SummaryResult, ToolDefinition } from '../common/chat';
import type { CompactionRecord } from '../common/run-state';
import { promptAllowance } from './budget';
import { estimateTokens, planCompaction, summaryMessage } from './compaction';
import { ConversationCursor } from './conversation';

/**
 * The transcript the model sees, its per-message token counts, and the cursor into the conversation store. Keeps the
 * prompt inside the window by replacing older turns with a summary.
 */
export class ContextWindow {
  readonly cursor: ConversationCursor;

  constructor(
    private readonly spec: AgentSpec,
    readonly transcript: ChatMessage[],
    readonly tokens: Array<number | null>,
    chainId: string,
    conversation?: { epoch: number; stored: number },
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

  shouldCompact(tools: ToolDefinition[], maxOutputTokens: number | undefined): boolean {
    const estimate = estimateTokens(
      this.transcript,
      this.tokens.map((t) => t ?? undefined),
    );
    const toolTokens = Math.ceil(JSON.stringify(tools).length / 3);
    return estimate + toolTokens > this.spec.context.compactAt * this.maxPromptTokens(maxOutputTokens);
  }

  /** The sum of the counts of everything already stored, if every one is known. */
  storedTokens(): number | undefined {
    let sum = 0;
    for (let i = 0; i < this.cursor.stored; i += 1) {
      const count = this.tokens[i];
      if (count === null || count === undefined) return undefined;
      sum += count;
    }
    return sum;
  }

  /** After a successful call: the counts of what it sent, and the stored length. */
  accept(turn: ModelTurn, sentFrom: number): void {
    turn.newMessageTokens.forEach((count, offset) => (this.tokens[sentFrom + offset] = count));
    this.cursor.advance(this.transcript.length);
  }

  /**
   * The stretch to summarise, limited to what the store holds (it is read from there, not sent again), or undefined.
   */
  plan(): { start: number; upTo: number } | undefined {
    const stored = this.transcript.slice(0, this.cursor.stored);
    const recent = Math.max(this.spec.context.keepRecentMessages - (this.transcript.length - stored.length), 0);
    return planCompaction(stored, { keepRecentMessages: recent });
  }

  /** Replaces [start, upTo) with the summary and starts a new stored conversation. */
  apply(plan: { start: number; upTo: number }, summary: SummaryResult, step: number, nowIso: string): CompactionRecord {
    const count = plan.upTo - plan.start;
    this.transcript.splice(plan.start, count, summaryMessage(summary.summary));
    this.tokens.splice(plan.start, count, summary.summaryTokens + 4);
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
