import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConversationStore } from '../../activities/model/conversation-store';
import { FilesystemRunStateStore } from '../../activities/store/fs-run-state-store';
import { RecordSeal } from '../../shared/store/record-seal';

/** Conversations as files under a data dir, as a worker on the filesystem store keeps them. */
const fileRecords = (dir: string) => new FilesystemRunStateStore(dir, new RecordSeal(undefined)).conversations;
import { AgentSpecSchema } from '../../common/agent-spec';
import type { ModelTurn } from '../../common/chat';
import { countTextTokens } from '../../activities/model/tokenizer';
import { planCompaction, SUMMARY_PREFIX } from '../../workflows/model/compaction';
import { ContextWindow } from '../../workflows/model/context-window';

const spec = AgentSpecSchema.parse({
  name: 'a',
  instructions: 'i',
  model: { name: 'm', contextWindow: 2048, outputReserve: 48 },
  context: { keepRecentMessages: 2 },
});
const turn = (newMessageTokens: number[]): ModelTurn => ({
  content: null,
  toolCalls: [],
  finishReason: 'stop',
  usage: { inputTokens: 0, outputTokens: 3, cachedInputTokens: 0 },
  model: 'm',
  provider: 'p',
  latencyMs: 1,
  newMessageTokens,
  promptTokens: 0,
});

describe('context window bookkeeping', () => {
  test('sends only new messages, and knows the tokens of everything stored', () => {
    const window = new ContextWindow(spec, [], [], 'chain');
    window.push({ role: 'system', content: 's' });
    window.push({ role: 'user', content: 'u' });
    const first = window.cursor.delta(window.transcript, []);
    expect(first).toMatchObject({ id: 'chain/e0', from: 0, tools: [] });
    window.accept(turn([5, 6]), first.from);
    window.push({ role: 'assistant', content: null, toolCalls: [{ id: 'c', name: 't', arguments: '{}' }] }, 3);
    window.push({ role: 'tool', toolCallId: 'c', content: 'result' });
    const second = window.cursor.delta(window.transcript, []);
    expect(second.from).toBe(2);
    expect(second.messages).toHaveLength(2);
    expect(second.tools).toBeUndefined();
    expect(window.storedTokens()).toBe(11);
    window.accept(turn([3, 7]), second.from);
    expect(window.storedTokens()).toBe(21);
    expect(window.maxPromptTokens(undefined)).toBe(2000);
    expect(window.maxPromptTokens(500)).toBe(1548);
  });

  test('compaction keeps the instructions, the task and the latest turns, and never splits a tool call from its result', () => {
    const transcript = [
      { role: 'system' as const, content: 's' },
      { role: 'user' as const, content: 'u' },
      { role: 'assistant' as const, content: null, toolCalls: [{ id: '1', name: 't', arguments: '{}' }] },
      { role: 'tool' as const, toolCallId: '1', content: 'r1' },
      { role: 'assistant' as const, content: null, toolCalls: [{ id: '2', name: 't', arguments: '{}' }] },
      { role: 'tool' as const, toolCallId: '2', content: 'r2' },
      { role: 'assistant' as const, content: null, toolCalls: [{ id: '3', name: 't', arguments: '{}' }] },
      { role: 'tool' as const, toolCallId: '3', content: 'r3' },
    ];
    expect(planCompaction(transcript, { keepRecentMessages: 2 })).toEqual({ start: 2, upTo: 6 });
    expect(planCompaction(transcript, { keepRecentMessages: 3 })).toEqual({ start: 2, upTo: 4 });
    expect(planCompaction(transcript.slice(0, 4), { keepRecentMessages: 2 })).toBeUndefined();
    const summarised = [
      transcript[0]!,
      transcript[1]!,
      { role: 'user' as const, content: `${SUMMARY_PREFIX}\nx` },
      ...transcript.slice(6),
    ];
    expect(planCompaction(summarised, { keepRecentMessages: 2 })).toBeUndefined();
  });

  test('long runs without spaces are estimated cautiously instead of encoded', () => {
    expect(countTextTokens('d'.repeat(20_000))).toBe(Math.ceil(20_000 / 3));
    expect(countTextTokens('hello world')).toBe(2);
  });
});

describe('a summary of messages the store does not hold yet', () => {
  test('the summary request carries them, and the store then assembles the whole stretch', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-unsent-'));
    const store = new ConversationStore(fileRecords(dir));
    const tools = [{ name: 't', description: 'd', class: 'read' as const, parameters: { type: 'object' } }];
    const window = new ContextWindow(spec, [], [], 'chain', undefined, true);
    window.push({ role: 'system', content: 's' });
    window.push({ role: 'user', content: 'u' });
    const first = window.cursor.delta(window.transcript, tools);
    await store.assemble(first, 'r');
    window.accept(turn([5, 6]), first.from);
    for (const id of ['1', '2']) {
      window.push({ role: 'assistant', content: null, toolCalls: [{ id, name: 't', arguments: '{}' }] });
      window.push({ role: 'tool', toolCallId: id, content: `result ${id}` });
    }
    expect(window.unsent(2, tools)).toBeUndefined();
    const unsent = window.unsent(4, tools)!;
    expect(unsent).toMatchObject({ id: 'chain/e0', from: 2 });
    expect(unsent.messages).toEqual(window.transcript.slice(2, 4));
    const { messages } = await store.assemble(unsent, 'r');
    expect(messages).toEqual(window.transcript.slice(0, 4));
    // After a compaction nothing is stored under the new conversation: the tools travel too.
    window.cursor.restart();
    expect(window.unsent(4, tools)).toMatchObject({ id: 'chain/e1', from: 0, tools });
  });
});

describe('the last resort: cutting the latest turn', () => {
  const build = (fit: boolean) => {
    const window = new ContextWindow(spec, [], [], 'chain', undefined, fit);
    window.push({ role: 'system', content: 's' }, 5);
    window.push({ role: 'user', content: 'u' }, 5);
    window.cursor.advance(2);
    window.push({ role: 'assistant', content: null, toolCalls: [{ id: '1', name: 't', arguments: '{}' }] });
    window.push({ role: 'tool', toolCallId: '1', content: 'word '.repeat(3_000) });
    return window;
  };

  test('a prompt over the window is cut to the threshold, never what the store holds; a legacy run is left alone', () => {
    const window = build(true);
    expect(window.cutLatestTurn([], undefined, { refused: false, squeeze: 1 })).toBe(true);
    expect(window.transcript[3]!.content).toContain('to fit the context window');
    expect(window.transcript.slice(0, 2)).toEqual([
      { role: 'system', content: 's' },
      { role: 'user', content: 'u' },
    ]);
    expect(window.shouldCompact([], undefined)).toBe(false);
    // Under the window now: nothing more to cut unless a call refuses it.
    expect(window.cutLatestTurn([], undefined, { refused: false, squeeze: 1 })).toBe(false);
    expect(window.cutLatestTurn([], undefined, { refused: true, squeeze: 1 })).toBe(true);
    expect(build(false).cutLatestTurn([], undefined, { refused: true, squeeze: 1 })).toBe(false);
  });
});
