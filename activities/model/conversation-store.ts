import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { ChatMessage, ConversationDelta, ToolDefinition } from '../../common/chat';
import { ErrorType } from '../../common/errors';
import { runDirectoryName } from '../tools/workspace';

async function writeOnce(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.writeFile(temp, content);
  await fs.rename(temp, file);
}

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
 * The messages of each conversation, one file per message, so a model call carries only what is new since the last
 * one. Within a conversation messages are append-only, so rewriting an index on a retry writes the same content.
 * Several workers need this directory on shared storage; without it a call reports ConversationMissing and the
 * workflow sends the conversation inline instead.
 *
 * The conversations this worker assembled recently also stay in memory (least recently used out first, within
 * `cacheBytes`), so a step reads from disk only what this worker has not seen: nothing, when the run's steps stay
 * on one worker. Messages being append-only, a cached prefix is always what the files hold.
 */
export class ConversationStore {
  private readonly cache = new Map<string, CachedConversation>();
  private cachedBytes = 0;

  constructor(
    private readonly dir: string,
    private readonly cacheBytes: number = DEFAULT_CONVERSATION_CACHE_BYTES,
  ) {}

  private folder(id: string): string {
    return path.join(this.dir, runDirectoryName(id));
  }

  /** Stores the delta and returns the whole conversation with its tools. */
  async assemble(delta: ConversationDelta): Promise<{ messages: ChatMessage[]; tools: ToolDefinition[] }> {
    const folder = this.folder(delta.id);
    const texts = delta.messages.map((message) => JSON.stringify(message));
    await Promise.all(texts.map((text, offset) => writeOnce(path.join(folder, `${delta.from + offset}.json`), text)));
    const toolsText = delta.tools ? JSON.stringify(delta.tools) : undefined;
    if (toolsText) await writeOnce(path.join(folder, 'tools.json'), toolsText);

    const cached = this.take(delta.id);
    const known = Math.min(cached?.messages.length ?? 0, delta.from);
    const missing = await Promise.all(
      Array.from({ length: delta.from - known }, (_, index) =>
        this.read<ChatMessage>(folder, `${known + index}.json`, delta.id),
      ),
    );
    const tools = delta.tools ?? cached?.tools ?? (await this.read<ToolDefinition[]>(folder, 'tools.json', delta.id));
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

  private async read<T>(folder: string, file: string, id: string): Promise<T> {
    try {
      return JSON.parse(await fs.readFile(path.join(folder, file), 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw ApplicationFailure.nonRetryable(
        `conversation ${id} has no ${file} in this worker's store`,
        ErrorType.ConversationMissing,
      );
    }
  }
}
