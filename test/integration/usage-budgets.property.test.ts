import fc from 'fast-check';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ErrorType } from '../../common/errors';
import type { RunResult } from '../../common/run-state';
import { spendQuery, userSpendWorkflowId } from '../../common/spend-ledger';
import type { ScriptFn, ScriptTurn } from '../../testing/scripted-model';
import { fileClerkSpec, withReins } from '../helpers/harness';

/**
 * Whatever usage a provider reports — any JSON type, any sign, absurdly large, or missing — and whatever budgets a run
 * has, the run ends in a typed state without a failed workflow task, its usage and cost stay finite and only go up
 * from step to step, and the user's daily spend ledger only goes up from run to run.
 */

const EventType = temporal.api.enums.v1.EventType;
const PRICES = { 'scripted-1': { input: 1, output: 10 } };
const OUTPUT_RESERVE = 1_024;
const KNOWN_ERROR_TYPES = new Set<string>(Object.values(ErrorType));

/** A literal spliced into the JSON text as is, for numbers JSON.stringify cannot write. */
const raw = (literal: string) => `@@raw:${literal}@@`;
const encode = (value: unknown) => JSON.stringify(value).replace(/"@@raw:([^@]*)@@"/g, '$1');

const count = fc.oneof(
  fc.integer({ min: 0, max: 5_000 }),
  fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-20_000_000, 1e15, Number.MAX_SAFE_INTEGER, 1e300, -0.5, 0.5),
  fc.constantFrom(raw('1e400'), raw('-1e400'), raw('-0'), raw('1e-400')),
  fc.constantFrom('lots', '12', '-5', '', 'NaN', 'Infinity', '1e400'),
  fc.constantFrom(null, true, false, { n: 1 }, [1]),
);

const usage = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        prompt_tokens: count,
        completion_tokens: count,
        total_tokens: count,
        prompt_tokens_details: fc.oneof(fc.record({ cached_tokens: count }), count),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, 'usage', 42, [] as unknown[]) },
);

const budget = fc.record(
  {
    maxTotalTokens: fc.oneof(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 100_000, max: 50_000_000 })),
    maxOutputTokens: fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 100_000, max: 10_000_000 })),
    maxInputTokens: fc.integer({ min: 1, max: 10_000_000 }),
    maxCostUsd: fc.oneof(
      fc.double({ min: 1e-6, max: 0.01, noNaN: true }),
      fc.double({ min: 0.1, max: 1e4, noNaN: true }),
    ),
  },
  { requiredKeys: [] },
);

const caseArbitrary = fc.record({
  usages: fc.array(usage, { minLength: 1, maxLength: 3 }),
  budget,
  contextWindow: fc.constantFrom(4_096, 128_000),
  spendCap: fc.boolean(),
});
type Case = {
  usages: unknown[];
  budget: Record<string, number>;
  contextWindow: number;
  spendCap: boolean;
};

/** Turn `i` of a case asks for a tool (or answers, on its last turn) and reports usage `i`. */
function completionBody(current: Case, turn: number): string {
  const last = turn === current.usages.length - 1;
  const call = { id: `c${turn}`, type: 'function', function: { name: 'list_files', arguments: '{}' } };
  const message = last
    ? { role: 'assistant', content: 'done' }
    : { role: 'assistant', content: null, tool_calls: [call] };
  const body: Record<string, unknown> = {
    id: `r${turn}`,
    object: 'chat.completion',
    created: 1,
    model: 'scripted-1',
    choices: [{ index: 0, message, finish_reason: last ? 'stop' : 'tool_calls' }],
  };
  if (current.usages[turn] !== undefined) body.usage = current.usages[turn];
  return encode(body);
}

/** The values a numeric search attribute took, in the order the run published them. */
function published(history: temporal.api.history.v1.IHistory, key: string): unknown[] {
  return (history.events ?? []).flatMap((event) => {
    const payload = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[key];
    return payload?.data ? [JSON.parse(Buffer.from(payload.data).toString('utf8'))] : [];
  });
}

function expectNonDecreasingFinite(values: unknown[]): void {
  let previous = 0;
  for (const value of values) {
    expect(typeof value).toBe('number');
    expect(Number.isFinite(value)).toBe(true);
    expect(value as number).toBeGreaterThanOrEqual(previous);
    previous = value as number;
  }
}

function checkResult(result: RunResult, requests: Array<{ max_tokens?: unknown }>): void {
  if (result.status === 'failed') {
    expect(KNOWN_ERROR_TYPES).toContain(result.lastError?.type);
    // A budget never takes the prompt's share of the window: tiny prompts never overflow.
    expect(result.lastError?.type).not.toBe(ErrorType.ContextOverflow);
  } else {
    expect(['completed', 'budget_exhausted']).toContain(result.status);
  }
  const { usage } = result;
  for (const value of [
    usage.inputTokens,
    usage.outputTokens,
    usage.cachedInputTokens,
    usage.totalTokens,
    usage.costUsd,
  ]) {
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(0);
  }
  for (const call of result.modelCalls) {
    for (const value of [call.inputTokens, call.outputTokens, call.cachedInputTokens, call.costUsd ?? 0]) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
    }
  }
  // However large the budget, a response is never allowed more than the model's ceiling.
  for (const request of requests) {
    if (request.max_tokens !== undefined) expect(request.max_tokens).toBeLessThanOrEqual(OUTPUT_RESERVE);
  }
}

/**
 * The run's history once it has closed, or as soon as a workflow task failed: such a run would retry the task forever,
 * and its queries would wait on it.
 */
async function closedHistory(client: Client, runId: string): Promise<temporal.api.history.v1.IHistory> {
  const handle = client.workflow.getHandle(runId);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const closed = (await handle.describe()).status.name !== 'RUNNING';
    if (closed || events.some((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)) {
      return closed ? handle.fetchHistory() : history;
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end within a minute`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('hostile usage reports and arbitrary budgets through the real loop', () => {
  test('runs end typed, usage only goes up and stays finite, the spend ledger only goes up', async () => {
    const cases = new Map<string, Case>();
    const script: ScriptFn = (request, turn, attempt): ScriptTurn => {
      const user = request.messages.find((m) => m.role === 'user');
      const key = typeof user?.content === 'string' ? /^case (\d+)$/.exec(user.content)?.[1] : undefined;
      const current = key === undefined ? undefined : cases.get(key);
      const answer: ScriptTurn = { reply: { content: 'done' } };
      if (!current || turn >= current.usages.length) return answer;
      const fault = {
        status: 200,
        body: completionBody(current, turn),
        headers: { 'content-type': 'application/json' },
      };
      return { ...answer, faults: Array.from({ length: attempt }, () => fault) };
    };

    await withReins({ script }, async ({ reins, temporal, model }) => {
      const user = `usage-${Date.now()}`;
      let counter = 0;
      let ledgerBefore = 0;
      await fc.assert(
        fc.asyncProperty(caseArbitrary, async (generated) => {
          const key = String((counter += 1));
          const current = generated as Case;
          cases.set(key, current);
          const firstRequest = model.requests.length;
          const { runId } = await reins.startRun({
            spec: fileClerkSpec({
              maxSteps: 5,
              model: { name: 'scripted-1', contextWindow: current.contextWindow, outputReserve: OUTPUT_RESERVE },
              budget: current.budget,
            }),
            prompt: `case ${key}`,
            userId: user,
            prices: PRICES,
            ...(current.spendCap ? { spendCap: { dailyUsd: 1e9 } } : {}),
          });
          const history = await closedHistory(temporal, runId);
          const failedTasks = (history.events ?? []).filter(
            (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
          );
          expect(failedTasks).toEqual([]);
          const result = await reins.result(runId);
          checkResult(
            result,
            model.requests.slice(firstRequest).map((r) => r.body as { max_tokens?: unknown }),
          );
          expectNonDecreasingFinite(published(history, 'ReinsTokens'));
          expectNonDecreasingFinite(published(history, 'ReinsCostUsd'));
          if (current.spendCap) {
            const days = await temporal.workflow.getHandle(userSpendWorkflowId(user)).query(spendQuery);
            const spent = days.reduce((sum, day) => sum + day.spentUsd, 0);
            expect(Number.isFinite(spent)).toBe(true);
            expect(spent).toBeGreaterThanOrEqual(ledgerBefore);
            for (const day of days) expect(day.reservedUsd).toBeGreaterThanOrEqual(0);
            ledgerBefore = spent;
          }
        }),
        { numRuns: 18, seed: 20_261_201, endOnFailure: true },
      );
    });
  }, 600_000);
});
