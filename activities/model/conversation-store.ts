import { ApplicationFailure } from '@temporalio/activity';
import type { ChatMessage, ConversationDelta, ToolDefinition } from '../../common/chat';
import { ErrorType } from '../../common/errors';
import type { ConversationRecords } from '../store/run-state-store';

interface CachedConversation {
  messages: ChatMessage[];
  /** Serialised size of each message, in order: what the cache's budget counts, with the tools. */
  sizes: number[];
  tools: ToolDefinition[];
  toolBytes: number;
}

const bytesOf = (entry: CachedConversation) => entry.sizes.reduce((sum, size) => sum + size, entry.toolBytes);

/** Conversations kept assembled in memory by default: a worker's recent runs, not all of them. */
export const DEFAULT_CONVERSATION_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The messages of each conversation, one record per message in the run state store, so a model call carries only
 * what is new since the last one. Within a conversation messages are append-only, so rewriting a position on a retry
 * writes the same content. Workers that do not share the store (filesystem stores on different machines) report
 * ConversationMissing, and the workflow sends the conversation inline instead.
 *
 * The conversations this worker assembled recently also stay in memory (least recently used out first, within
 * `cacheBytes`), so a step reads from disk only what this worker has not seen: nothing, when the run's steps stay
 * on one worker. Messages being append-only, a cached prefix is always what the store holds.
 */
export class ConversationStore {
  private readonly cache = new Map<string, CachedConversation>();
  private cachedBytes = 0;

  constructor(
    private readonly records: ConversationRecords,
    private readonly cacheBytes: number = DEFAULT_CONVERSATION_CACHE_BYTES,
  ) {}

  /** Stores the delta and returns the whole conversation with its tools. `run` is the workflow id it belongs to. */
  async assemble(delta: ConversationDelta, run: string): Promise<{ messages: ChatMessage[]; tools: ToolDefinition[] }> {
    const texts = delta.messages.map((message) => JSON.stringify(message));
    const toolsText = delta.tools ? JSON.stringify(delta.tools) : undefined;
    await Promise.all([
      this.records.putMessages(run, delta.id, delta.from, texts),
      toolsText ? this.records.putTools(run, delta.id, toolsText) : undefined,
    ]);

    const cached = this.take(delta.id);
    const known = Math.min(cached?.messages.length ?? 0, delta.from);
    const [stored, storedTools] = await Promise.all([
      this.records.readMessages(run, delta.id, known, delta.from),
      (delta.tools ?? cached?.tools) ? undefined : this.records.readTools(run, delta.id),
    ]);
    const missing = stored.map((text, index) => this.parse<ChatMessage>(text, `message ${known + index}`, delta.id));
    const tools = delta.tools ?? cached?.tools ?? this.parse<ToolDefinition[]>(storedTools, 'its tools', delta.id);
    const messages = [...(cached?.messages.slice(0, known) ?? []), ...missing, ...delta.messages];
    this.keep(delta.id, {
      messages,
      sizes: [
        ...(cached?.sizes.slice(0, known) ?? []),
        ...missing.map((message) => JSON.stringify(message).length),
        ...texts.map((text) => text.length),
      ],
      tools,
      toolBytes: toolsText?.length ?? cached?.toolBytes ?? JSON.stringify(tools).length,
    });
    return { messages, tools };
  }

  /** Removes and returns a cached conversation; `keep` puts it back as the most recently used. */
  private take(id: string): CachedConversation | undefined {
    const cached = this.cache.get(id);
    if (cached) {
      this.cache.delete(id);
      this.cachedBytes -= bytesOf(cached);
    }
    return cached;
  }

  private keep(id: string, conversation: CachedConversation): void {
    const bytes = bytesOf(conversation);
    if (bytes > this.cacheBytes) return;
    this.cache.set(id, conversation);
    this.cachedBytes += bytes;
    for (const [oldest, entry] of this.cache) {
      if (this.cachedBytes <= this.cacheBytes) break;
      this.cache.delete(oldest);
      this.cachedBytes -= bytesOf(entry);
    }
  }

  private parse<T>(text: string | undefined, what: string, id: string): T {
    if (text === undefined) {
      throw ApplicationFailure.nonRetryable(
        `conversation ${id} has no ${what} in this worker's store`,
        ErrorType.ConversationMissing,
      );
    }
    return JSON.parse(text) as T;
  }
}
