import type { WatchEvent } from '../../client/watch';
import type { ScriptFn } from '../../testing/scripted-model';
import { startCli } from '../helpers/cli';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';

const script = [
  { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'x' } }] } },
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } },
  { reply: { content: 'cleaned up' } },
];
// Two runs share the model: each request's place in its own run is the number of answers it already holds.
const perRun: ScriptFn = (request) => script[request.messages.filter((m) => m.role === 'assistant').length]!;
const prices = { 'scripted-1': { input: 1, output: 2 } };

test('reins watch follows a run through an approval to its end, as text and as JSON lines', async () => {
  await withReins({ script: perRun }, async ({ reins, taskQueue }) => {
    const stamp = Date.now();
    const textRun = `watch-text-${stamp}`;
    const jsonRun = `watch-json-${stamp}`;
    for (const runId of [textRun, jsonRun]) {
      await reins.startRun({ spec: fileClerkSpec(), prompt: 'tidy', userId: 'u', prices }, { runId });
      await waitForState(reins, runId, (s) => s.status === 'awaiting_approval');
    }
    const text = startCli(['--task-queue', taskQueue, 'watch', textRun, '--interval', '300']);
    const json = startCli(['--json', 'watch', jsonRun, '--interval', '300']);
    await text.waitFor(/waiting for approval 2-1: delete_file/);
    await json.waitFor(/"type":"approval_waiting"/);
    await reins.decide(textRun, { requestId: '2-1', decision: 'approve', by: 'olga' });
    await reins.decide(jsonRun, { requestId: '2-1', decision: 'approve', by: 'olga' });
    const [textOut, jsonOut] = await Promise.all([text.exited, json.exited]);

    expect(textOut.code).toBe(0);
    const shown = textOut.stdout;
    for (const expected of [
      /^step 1\/10$/m,
      /^ {2}model scripted-1: \d+ in, \d+ out, \d+ ms, \$\d+\.\d{4}$/m,
      /^ {2}tool write_file \(1-1\) succeeded$/m,
      /^step 2\/10$/m,
      /^ {2}waiting for approval 2-1: delete_file \(destructive\)/m,
      /reins approve watch-text-\d+ 2-1/,
      /^\[awaiting_approval\] step 2\/10 · \d+ tokens · \$\d+\.\d{4} · 1 tool calls · 1 waiting for approval$/m,
      /^ {2}approved 2-1 delete_file by olga \(update\)$/m,
      /^ {2}tool delete_file \(2-1\) succeeded$/m,
      /^step 3\/10$/m,
      /^\[completed\] step 3\/10/m,
    ]) {
      expect(shown).toMatch(expected);
    }
    expect(shown.trim().split('\n').at(-1)).toBe('completed: cleaned up');
    // Each step is shown once, however many polls saw it.
    expect(shown.match(/^step 2\/10$/gm)).toHaveLength(1);

    expect(jsonOut.code).toBe(0);
    const events = jsonOut.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as WatchEvent);
    const story = events.filter((e) => e.type !== 'progress').map((e) => e.type);
    expect(story).toEqual([
      'step',
      'model_call',
      'tool_call',
      'step',
      'model_call',
      'approval_waiting',
      'approval_decided',
      'tool_call',
      'step',
      'model_call',
      'end',
    ]);
    expect(events.at(-1)).toEqual({ type: 'end', status: 'completed', answer: 'cleaned up' });
    const last = events.filter((e) => e.type === 'progress').at(-1);
    expect(last).toMatchObject({ status: 'completed', step: 3, toolCalls: 2, costUsd: expect.any(Number) });
    const model = events.find((e) => e.type === 'model_call');
    expect(model).toMatchObject({ inputTokens: expect.any(Number), latencyMs: expect.any(Number) });
  });
});
