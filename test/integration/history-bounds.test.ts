import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { runDirectoryName } from '../../activities/tools/workspace';
import type { ScriptFn } from '../../testing/scripted-model';
import { SUMMARY_PREFIX } from '../../workflows/model/compaction';
import { fileClerkSpec, withReins } from '../helpers/harness';

const STEPS = 500;
const MB = 1024 * 1024;

test(`a ${STEPS}-step run completes with every history segment under 2 MB and no event over 256 KB`, async () => {
  let calls = 0;
  let summaries = 0;
  let incoherent = 0;
  // Reads a 2 KB file every step; once a summary exists, every later request must carry it.
  const script: ScriptFn = (request) => {
    const messages = request.messages as Array<{ role: string; content?: unknown }>;
    if (String(messages[0]?.content ?? '').startsWith('You compress an agent conversation')) {
      summaries += 1;
      return { reply: { content: `SUMMARY ${summaries}: read data.txt repeatedly; it holds 2 KB of the letter d.` } };
    }
    calls += 1;
    if (summaries > 0 && !messages.some((m) => String(m.content ?? '').startsWith(SUMMARY_PREFIX))) incoherent += 1;
    return calls <= STEPS
      ? { reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'data.txt' } }] } }
      : { reply: { content: `read it ${STEPS} times` } };
  };

  await withReins({ script }, async ({ reins, temporal: client, dataDir }) => {
    const runId = `long-${Date.now()}`;
    const workspace = path.join(dataDir, 'workspaces', runDirectoryName(runId));
    mkdirSync(workspace, { recursive: true });
    writeFileSync(path.join(workspace, 'data.txt'), 'd'.repeat(2048));
    const spec = fileClerkSpec({ maxSteps: STEPS + 10 });
    await reins.startRun({ spec, prompt: 'Read data.txt until told otherwise', userId: 'u', prices: {} }, { runId });
    const result = await reins.result(runId);

    expect(result.status).toBe('completed');
    expect(result.answer).toBe(`read it ${STEPS} times`);
    expect(result.usage.toolCalls).toBe(STEPS);
    expect(result.compactions.length).toBeGreaterThan(0);
    expect(incoherent).toBe(0);

    const segments = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = '${runId}'` })) segments.push(execution);
    expect(segments.length).toBeGreaterThanOrEqual(STEPS / 100);
    const sizes: number[] = [];
    for (const segment of segments) {
      const history = await client.workflow.getHandle(runId, segment.runId).fetchHistory();
      sizes.push(temporal.api.history.v1.History.encode(history).finish().length);
      for (const event of history.events ?? []) {
        expect(temporal.api.history.v1.HistoryEvent.encode(event).finish().length).toBeLessThan(256 * 1024);
      }
    }
    for (const size of sizes) expect(size).toBeLessThan(2 * MB);
  });
}, 900_000);
