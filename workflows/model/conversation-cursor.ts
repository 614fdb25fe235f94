import type { ChatMessage, ConversationDelta, ToolDefinition } from '../../common/chat';

/**
 * Tracks how much of the transcript the conversation store already holds, so each model call sends only the new
 * messages. A compaction rewrites the transcript, so it starts a new conversation (epoch).
 */
export class ConversationCursor {
  constructor(
    private readonly chainId: string,
    public epoch = 0,
    public stored = 0,
  ) {}

  get id(): string {
    return `${this.chainId}/e${this.epoch}`;
  }

  delta(transcript: ChatMessage[], tools: ToolDefinition[]): ConversationDelta {
    return {
      id: this.id,
      from: this.stored,
      messages: transcript.slice(this.stored),
      ...(this.stored === 0 ? { tools } : {}),
    };
  }

  /** After a call succeeded with `length` messages. */
  advance(length: number): void {
    this.stored = length;
  }

  /** The store lost (or never had) this conversation: send all of it next time. */
  resend(): void {
    this.stored = 0;
  }

  restart(): void {
    this.epoch += 1;
    this.stored = 0;
  }
}
