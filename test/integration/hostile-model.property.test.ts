import fc from 'fast-check';
import { z } from 'zod';
import { temporal } from '@temporalio/proto';
import { defineTool } from '../../common/tools/define-tool';
import { ErrorType } from '../../common/errors';
import type { RunResult } from '../../common/run-state';
import type { ScriptFn, ScriptTurn } from '../../testing/scripted-model';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';

/**
 * Whatever an OpenAI-compatible provider sends back — any content, tool names, argument values of any type and size,
 * usage of any type and sign — a run never fails a workflow task: it ends in a typed state (or waits for a person),
 * its usage and cost never go down, and no budget is passed by more than the step that crossed it.
 */

const EventType = temporal.api.enums.v1.EventType;
const KNOWN_ERROR_TYPES = new Set<string>(Object.values(ErrorType));
const PRICES = { 'scripted-1': { input: 1, output: 10 } };
const MAX_STEPS = 5;

/** Numbers as JSON can carry them, and as JSON cannot: raw literals spliced into the body after encoding. */
const RAW = (literal: string) => `@@raw:${literal}@@`;
const hostileNumber = fc.oneof(
  fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, -20_000_000, 1e15, Number.MAX_SAFE_INTEGER),
  fc.constantFrom(RAW('1e400'), RAW('-1e400'), RAW('-0'), RAW('1e-400')),
  fc.constantFrom('lots', '12', '-5', '', 'NaN', 'Infinity'),
  fc.constantFrom(null, true, false),
  fc.constant({ nested: 1 }),
  fc.constant([1, 2]),
);

const usage = fc.oneof(
  fc.record(
    {
      prompt_tokens: hostileNumber,
      completion_tokens: hostileNumber,
      total_tokens: hostileNumber,
      prompt_tokens_details: fc.oneof(fc.record({ cached_tokens: hostileNumber }), fc.constant(null), hostileNumber),
    },
    { requiredKeys: [] },
  ),
  fc.constantFrom(null, 'usage', 42, [] as unknown[]),
);

const TOOL_NAMES = ['list_files', 'read_file', 'write_file', 'delete_file', 'emit'];
const toolName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TOOL_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ' ') },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 7, { name: 'x' }) },
);

const hugeText = fc
  .tuple(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 1_000, max: 300_000 }))
  .map(([unit, times]) => unit.repeat(Math.ceil(times / unit.length)));

const argumentsValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('{"path":"notes.txt"}', '{"path":"a.txt","content":"hello"}', '{}') },
  {
    weight: 2,
    arbitrary: fc
      .record({ size: fc.integer({ min: 0, max: 60_000 }), fill: fc.string({ maxLength: 3 }) })
      .map((a) => JSON.stringify(a)),
  },
  { weight: 1, arbitrary: fc.constantFrom('{"path": "notes', '{{{', 'null', '[]', '"just text"', '3', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: hugeText.map((text) => JSON.stringify({ path: text })) },
  { weight: 1, arbitrary: fc.constantFrom(null, 12, { path: 'notes.txt' }, ['a'], true) },
);

const toolCall = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(null, 5, '__proto__')),
    type: fc.constantFrom('function', 'function', 'function', 'custom', 7),
    function: fc.oneof(
      fc.record({ name: toolName, arguments: argumentsValue }, { requiredKeys: ['name'] }),
      fc.constantFrom(null, 'list_files'),
    ),
  },
  { requiredKeys: ['function'] },
);

const content = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom(null, '', 5, { text: 'x' }, ['a']), hugeText);

const completion = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(null, 9)),
    model: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(null, 3)),
    choices: fc.oneof(
      {
        weight: 8,
        arbitrary: fc.tuple(
          fc.record(
            {
              index: fc.constant(0),
              message: fc.record(
                {
                  role: fc.constantFrom('assistant', 'user', 3),
                  content,
                  tool_calls: fc.oneof(fc.array(toolCall, { maxLength: 6 }), fc.constantFrom(null, 'calls', {})),
                },
                { requiredKeys: ['role'] },
              ),
              finish_reason: fc.constantFrom('stop', 'tool_calls', 'length', 'weird', null, 1),
            },
            { requiredKeys: ['message'] },
          ),
        ),
      },
      { weight: 1, arbitrary: fc.constantFrom([] as unknown[], null, 'choices') },
    ),
    usage,
  },
  { requiredKeys: ['choices'] },
);

/** A model turn is a completion body (as the provider sent it), a body that is not JSON, or a valid short answer. */
const modelTurn = fc.oneof(
  {
    weight: 8,
    arbitrary: completion.map((body) => ({ body: encode({ object: 'chat.completion', created: 1, ...body }) })),
  },
  { weight: 1, arbitrary: fc.constantFrom('{"choices":[', 'not json', '', '{"id":1}').map((body) => ({ body })) },
);
type ModelTurnCase = { body: string };

function encode(value: unknown): string {
  return JSON.stringify(value).replace(/"@@raw:([^@]*)@@"/g, '$1');
}

const budget = fc.record(
  {
    maxTotalTokens: fc.integer({ min: 1, max: 10_000_000 }),
    maxOutputTokens: fc.integer({ min: 1, max: 1_000_000 }),
    maxCostUsd: fc.double({ min: 0.000_001, max: 1_000, noNaN: true }),
    maxToolCalls: fc.integer({ min: 1, max: 20 }),
  },
  { requiredKeys: [] },
);

const caseArbitrary = fc.record({
  turns: fc.array(modelTurn, { minLength: 1, maxLength: 4 }),
  budget: fc.oneof(fc.constant({}), budget),
  contextWindow: fc.constantFrom(4_096, 16_384, 128_000),
  toolOutput: fc.oneof(fc.string({ maxLength: 50 }), hugeText, fc.constantFrom('\u0000\u001b[2J', '\ud800')),
});
interface Case {
  turns: ModelTurnCase[];
  budget: { maxTotalTokens?: number; maxOutputTokens?: number; maxCostUsd?: number; maxToolCalls?: number };
  contextWindow: number;
  toolOutput: string;
}

const FINAL_ANSWER: ScriptTurn = { reply: { content: 'done', usage: { promptTokens: 10, completionTokens: 2 } } };

describe('hostile model output through the real loop', () => {
  test('no model turn fails a workflow task, lowers usage or passes a limit by more than one step', async () => {
    const cases = new Map<string, Case>();
    const served = new Map<string, number>();
    // Each request of a case gets that case's next scripted body; retries consume bodies too, then the answer comes.
    const script: ScriptFn = (request, _turn, attempt) => {
      const user = request.messages.find((m) => m.role === 'user');
      const key = typeof user?.content === 'string' ? /case (\d+)/.exec(user.content)?.[1] : undefined;
      const current = key === undefined ? undefined : cases.get(key);
      if (!current || key === undefined) return FINAL_ANSWER;
      const index = served.get(key) ?? 0;
      served.set(key, index + 1);
      const turn = current.turns[index];
      if (!turn) return FINAL_ANSWER;
      const fault = { status: 200, body: turn.body, headers: { 'content-type': 'application/json' } };
      return { ...FINAL_ANSWER, faults: Array.from({ length: attempt }, () => fault) };
    };
    const emit = defineTool({
      name: 'emit',
      description: 'Returns the text it was given the size of.',
      class: 'read',
      schema: z.object({ size: z.number().int().min(0).max(100_000), fill: z.string().max(4) }),
      async execute({ size }) {
        const output = currentOutput;
        return output.repeat(Math.max(1, Math.ceil(size / Math.max(output.length, 1)))).slice(0, Math.max(size, 1));
      },
    });
    let currentOutput = 'x';

    await withReins({ script, extraTools: [emit] }, async ({ reins, temporal }) => {
      let counter = 0;
      await fc.assert(
        fc.asyncProperty(caseArbitrary, async (generated) => {
          const key = String((counter += 1));
          const current = generated as Case;
          cases.set(key, current);
          currentOutput = current.toolOutput || 'x';
          const spec = fileClerkSpec({
            maxSteps: MAX_STEPS,
            model: { name: 'scripted-1', contextWindow: current.contextWindow, outputReserve: 1_024 },
            tools: [
              { name: 'list_files' },
              { name: 'read_file' },
              { name: 'write_file' },
              { name: 'delete_file', approval: 'always' },
              { name: 'emit' },
            ],
            budget: current.budget,
            approvals: { approvers: { users: [], roles: ['ops'] } },
          });
          const { runId } = await reins.startRun({
            spec,
            prompt: `case ${key}`,
            userId: 'u',
            prices: PRICES,
            roles: { 'ops-lead': ['ops'] },
          });
          const result = await settle(reins, runId);
          const history = await temporal.workflow.getHandle(runId).fetchHistory();
          const failedTasks = (history.events ?? []).filter(
            (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
          );
          expect(failedTasks).toEqual([]);
          checkResult(result, current);
        }),
        { numRuns: 24, seed: 18_2026, endOnFailure: true },
      );
    });
  }, 600_000);
});

/** Approves whatever the run asks for (as an authorised approver) until it ends. */
async function settle(reins: Parameters<typeof waitForState>[0], runId: string): Promise<RunResult> {
  for (let rounds = 0; rounds < MAX_STEPS * 6 + 2; rounds += 1) {
    const state = await waitForState(
      reins,
      runId,
      (s) => (s.status !== 'running' || s.pendingApprovals.length > 0 ? s : undefined),
      90_000,
    );
    if (state.status !== 'running' && state.status !== 'awaiting_approval') break;
    for (const request of state.pendingApprovals) {
      // A refusal here would mean a valid approval stopped working after hostile input.
      await reins.decide(runId, { requestId: request.requestId, decision: 'approve', by: 'ops-lead' });
    }
  }
  return reins.result(runId);
}

function checkResult(result: RunResult, current: Case): void {
  // Every hostile turn is followed by a readable one, so nothing here is a reason to fail: the run goes on.
  if (result.status === 'failed') {
    expect(KNOWN_ERROR_TYPES).toContain(result.lastError?.type);
    throw new Error(`the run failed: ${result.lastError?.type}: ${result.lastError?.message}`);
  }
  expect(['completed', 'budget_exhausted']).toContain(result.status);
  const { usage } = result;
  for (const value of [
    usage.inputTokens,
    usage.outputTokens,
    usage.cachedInputTokens,
    usage.totalTokens,
    usage.costUsd,
    usage.modelCalls,
    usage.toolCalls,
  ]) {
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(0);
  }
  expect(usage.totalTokens).toBe(usage.inputTokens + usage.outputTokens);
  // Every call adds to the bill, so the totals never went down along the way.
  for (const call of result.modelCalls) {
    expect(call.inputTokens).toBeGreaterThanOrEqual(0);
    expect(call.outputTokens).toBeGreaterThanOrEqual(0);
    expect(call.costUsd ?? 0).toBeGreaterThanOrEqual(0);
  }
  expect(result.step).toBeLessThanOrEqual(MAX_STEPS);
  // A budget is checked before every step: whatever the step that crossed it reported, no step started after it.
  const lastStep = Math.max(0, ...result.modelCalls.map((call) => call.step));
  const before = result.modelCalls.filter((call) => call.step < lastStep);
  const tokensBefore = before.reduce((sum, call) => sum + call.inputTokens + call.outputTokens, 0);
  const costBefore = before.reduce((sum, call) => sum + (call.costUsd ?? 0), 0);
  if (current.budget.maxTotalTokens !== undefined) expect(tokensBefore).toBeLessThan(current.budget.maxTotalTokens);
  if (current.budget.maxCostUsd !== undefined) expect(costBefore).toBeLessThan(current.budget.maxCostUsd);
  if (current.budget.maxToolCalls !== undefined) {
    expect(usage.toolCalls).toBeLessThanOrEqual(current.budget.maxToolCalls);
  }
}
