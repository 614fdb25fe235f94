import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { ChatMessage, ConversationDelta, ToolDefinition } from '../common/chat';
import { ErrorType } from '../common/errors';
import { runDirectoryName } from './tools/workspace';

async function writeOnce(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.writeFile(temp, content);
  await fs.rename(temp, file);
}

/**
 * The messages of each conversation, one file per message, so a model call carries only what is new since the last
 * one. Within a conversation messages are append-only, so rewriting an index on a retry writes the same content.
 * Several workers need this directory on shared storage; without it a call reports ConversationMissing and the
 * workflow sends the conversation inline instead.
 */
export class ConversationStore {
  constructor(private readonly dir: string) {}

  private folder(id: string): string {
    return path.join(this.dir, runDirectoryName(id));
  }

  /** Stores the delta and returns the whole conversation with its tools. */
  async assemble(delta: ConversationDelta): Promise<{ messages: ChatMessage[]; tools: ToolDefinition[] }> {
    const folder = this.folder(delta.id);
    await Promise.all(
      delta.messages.map((message, offset) =>
        writeOnce(path.join(folder, `${delta.from + offset}.json`), JSON.stringify(message)),
      ),
    );
    if (delta.tools) await writeOnce(path.join(folder, 'tools.json'), JSON.stringify(delta.tools));
    const earlier = await Promise.all(
      Array.from({ length: delta.from }, (_, index) => this.read<ChatMessage>(folder, `${index}.json`, delta.id)),
    );
    const tools = delta.tools ?? (await this.read<ToolDefinition[]>(folder, 'tools.json', delta.id));
    return { messages: [...earlier, ...delta.messages], tools };
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
