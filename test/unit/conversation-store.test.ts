import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConversationStore } from '../../activities/model/conversation-store';
import { FilesystemRunStateStore } from '../../activities/store/fs-run-state-store';
import { RecordSeal } from '../../shared/store/record-seal';

/** Conversations as files under a data dir, as a worker on the filesystem store keeps them. */
const fileRecords = (dir: string) => new FilesystemRunStateStore(dir, new RecordSeal(undefined)).conversations;
import { runDirectoryName } from '../../activities/tools/workspace';
import type { ChatMessage, ToolDefinition } from '../../common/chat';

const tools: ToolDefinition[] = [
  { name: 'list_files', description: 'd', class: 'read', parameters: { type: 'object' } },
];
const user = (content: string): ChatMessage => ({ role: 'user', content });

function storeDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'reins-conversations-'));
}

/** Removes a conversation's stored messages, so only a cache can still answer for them. */
async function forget(dir: string, id: string, indexes: number[]): Promise<void> {
  await Promise.all(
    indexes.map((i) =>
      fs.rm(path.join(dir, 'conversations', runDirectoryName('r'), runDirectoryName(id), `${i}.json`)),
    ),
  );
}

describe('conversation store', () => {
  test('a worker reuses what it assembled before; another worker reads the files', async () => {
    const dir = storeDir();
    const store = new ConversationStore(fileRecords(dir));
    await store.assemble({ id: 'c1', from: 0, messages: [user('a'), user('b')], tools }, 'r');
    await forget(dir, 'c1', [0, 1]);
    const next = await store.assemble({ id: 'c1', from: 2, messages: [user('c')] }, 'r');
    expect(next.messages).toEqual([user('a'), user('b'), user('c')]);
    expect(next.tools).toEqual(tools);
    // The files are the record: a worker without the conversation in memory needs them.
    await expect(
      new ConversationStore(fileRecords(dir)).assemble({ id: 'c1', from: 3, messages: [] }, 'r'),
    ).rejects.toMatchObject({
      type: 'ConversationMissing',
    });
  });

  test('steps taken on another worker are read from disk, the rest from memory', async () => {
    const dir = storeDir();
    const here = new ConversationStore(fileRecords(dir));
    const there = new ConversationStore(fileRecords(dir));
    await here.assemble({ id: 'c2', from: 0, messages: [user('a'), user('b')], tools }, 'r');
    await there.assemble({ id: 'c2', from: 2, messages: [user('c'), user('d')] }, 'r');
    await forget(dir, 'c2', [0, 1]);
    const back = await here.assemble({ id: 'c2', from: 4, messages: [user('e')] }, 'r');
    expect(back.messages.map((m) => m.content)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('the cache holds at most its byte budget, dropping the least recently used conversation', async () => {
    const dir = storeDir();
    const big = (tag: string) => [user(`${tag}${'x'.repeat(400)}`), user(`${tag}${'y'.repeat(400)}`)];
    // Room for one conversation of ~1 KB (two 400-character messages and the tools), not two.
    const store = new ConversationStore(fileRecords(dir), 1500);
    await store.assemble({ id: 'old', from: 0, messages: big('o'), tools }, 'r');
    await store.assemble({ id: 'new', from: 0, messages: big('n'), tools }, 'r');
    await forget(dir, 'old', [0, 1]);
    await forget(dir, 'new', [0, 1]);
    await expect(store.assemble({ id: 'old', from: 2, messages: [] }, 'r')).rejects.toMatchObject({
      type: 'ConversationMissing',
    });
    expect((await store.assemble({ id: 'new', from: 2, messages: [] }, 'r')).messages).toHaveLength(2);
    // A conversation larger than the whole budget is never cached.
    const tiny = new ConversationStore(fileRecords(dir), 10);
    await tiny.assemble({ id: 'huge', from: 0, messages: big('h'), tools }, 'r');
    await forget(dir, 'huge', [0]);
    await expect(tiny.assemble({ id: 'huge', from: 2, messages: [] }, 'r')).rejects.toMatchObject({
      type: 'ConversationMissing',
    });
  });
});
