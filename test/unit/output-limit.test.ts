import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { z } from 'zod';
import { createWorkspaceStore } from '../../activities';
import { defineTool } from '../../common/tools/define-tool';
import { limitOutput, MCP_OUTPUT_LIMIT, TOOL_OUTPUT_LIMIT } from '../../activities/tools/output-limit';
import { createToolActivities } from '../../activities/tools/tool-activities';
import { ToolRegistry } from '../../activities/tools/registry';
import type { ToolOutcome } from '../../common/chat';

describe('limitOutput', () => {
  test('text within the cap is returned as is', () => {
    expect(limitOutput('short', 10)).toBe('short');
    expect(limitOutput('x'.repeat(MCP_OUTPUT_LIMIT), MCP_OUTPUT_LIMIT)).toHaveLength(MCP_OUTPUT_LIMIT);
  });

  test('keeps head and tail, says how much was left out, and stays within the cap', () => {
    const text = `BEGIN${'a'.repeat(19_990)}END!!`;
    const out = limitOutput(text, 16_000);
    expect(out.length).toBeLessThanOrEqual(16_000);
    expect(out.length).toBeGreaterThan(15_950);
    expect(out.startsWith('BEGIN')).toBe(true);
    expect(out.endsWith('END!!')).toBe(true);
    const omitted = Number(/\[([\d,]+) characters omitted of 20,000\]/.exec(out)?.[1]?.replace(/,/g, ''));
    // What is kept plus what is said to be omitted is the whole text.
    const marker = /\n… \[[^\]]+\] …\n/.exec(out)?.[0] ?? '';
    expect(out.length - marker.length + omitted).toBe(20_000);
  });

  test('the marker count fits however many digits it needs', () => {
    for (const [length, cap] of [
      [1_000, 999],
      [100_000, 100],
      [10_000_000, 1_000],
    ] as const) {
      const out = limitOutput('y'.repeat(length), cap);
      expect(out.length).toBeLessThanOrEqual(cap);
      expect(out).toContain(`of ${length.toLocaleString('en-US')}]`);
    }
  });

  test('never splits a surrogate pair', () => {
    const out = limitOutput('😀'.repeat(5_000), 1_001);
    expect(out.length).toBeLessThanOrEqual(1_001);
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  test('a cap smaller than the marker keeps just the head; a bad cap is refused', () => {
    expect(limitOutput('abcdefghijklmnopqrstuvwxyz'.repeat(10), 10)).toBe('abcdefghij');
    expect(() => limitOutput('abc', 0)).toThrow(RangeError);
  });
});

describe('built-in tool outputs', () => {
  test('runTool caps what a worker tool returns before the model sees it', async () => {
    const loud = defineTool({
      name: 'loud',
      description: 'Returns too much.',
      class: 'read',
      schema: z.object({}),
      execute: async () => `start${'-'.repeat(TOOL_OUTPUT_LIMIT * 2)}end`,
    });
    const activities = createToolActivities({
      registry: new ToolRegistry([loud]),
      workspaces: createWorkspaceStore({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'reins-limit-')) }),
    });
    const environment = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
    const outcome: ToolOutcome = await environment.run(activities.runTool, {
      callId: '1-1',
      tool: 'loud',
      args: {},
      step: 1,
      userId: 'u',
    });
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(outcome.output.length).toBeLessThanOrEqual(TOOL_OUTPUT_LIMIT);
    expect(outcome.output).toMatch(/^start-+\n… \[[\d,]+ characters omitted of 32,008\] …\n-+end$/);
  });
});
