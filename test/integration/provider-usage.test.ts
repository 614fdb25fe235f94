import { WithStartWorkflowOperation } from '@temporalio/client';
import {
  reserveSpendUpdate,
  settleSpendUpdate,
  spendQuery,
  USER_SPEND_WORKFLOW,
  userSpendWorkflowId,
  type SpendReservation,
  type SpendSettlement,
} from '../../common/spend-ledger';
import type { RunResult } from '../../common/run-state';
import type { ScriptFn, ScriptTurn } from '../../testing/scripted-model';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';

const prices = { 'scripted-1': { input: 1, output: 10 } };
const ANSWER: ScriptTurn = { reply: { content: 'done', usage: { promptTokens: 100, completionTokens: 10 } } };

/** Every attempt at this turn gets `body` verbatim with status 200, as a provider's own JSON would arrive. */
function rawReply(body: string, attempt: number): ScriptTurn {
  const fault = { status: 200, body, headers: { 'content-type': 'application/json' } };
  return { ...ANSWER, faults: Array.from({ length: attempt }, () => fault) };
}

function listFilesWithUsage(usage: string): string {
  const call = { id: 'c1', type: 'function', function: { name: 'list_files', arguments: '{}' } };
  const message = { role: 'assistant', content: null, tool_calls: [call] };
  const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'scripted-1', choices: [] });
  // Spliced as text so the usage can be anything JSON (or a JSON parser) carries.
  return body
    .replace('"choices":[]', `"choices":[${JSON.stringify({ index: 0, message, finish_reason: 'tool_calls' })}]`)
    .replace(/}$/, `,"usage":${usage}}`);
}

/** The run's end, or a clear failure when it never ends (a workflow task failing over and over). */
async function endOf(reins: Parameters<typeof waitForState>[0], runId: string): Promise<RunResult> {
  await waitForState(reins, runId, (s) => !['running', 'awaiting_approval'].includes(s.status), 60_000);
  return reins.result(runId);
}

function expectSaneUsage(result: RunResult): void {
  const { usage } = result;
  for (const value of [usage.inputTokens, usage.outputTokens, usage.totalTokens, usage.costUsd]) {
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(0);
  }
  for (const call of result.modelCalls) {
    expect(call.inputTokens).toBeGreaterThanOrEqual(0);
    expect(call.outputTokens).toBeGreaterThanOrEqual(0);
    expect(call.costUsd ?? 0).toBeGreaterThanOrEqual(0);
  }
}

describe('provider-reported usage is read, never trusted', () => {
  test('negative usage lowers neither the run usage nor the user daily spend', async () => {
    const script: ScriptFn = (_request, turn, attempt) =>
      turn === 0
        ? rawReply(listFilesWithUsage('{"prompt_tokens":-20000000,"completion_tokens":-5000000}'), attempt)
        : ANSWER;
    await withReins({ script }, async ({ reins, temporal }) => {
      const user = `negative-${Date.now()}`;
      const { runId } = await reins.startRun({
        spec: fileClerkSpec(),
        prompt: 'p',
        userId: user,
        prices,
        spendCap: { dailyUsd: 5 },
      });
      const result = await endOf(reins, runId);
      expect(result.status).toBe('completed');
      expectSaneUsage(result);
      // The worker counted the call itself instead: the bill is not zero either.
      expect(result.modelCalls[0]!.inputTokens).toBeGreaterThan(0);
      expect(result.warnings.join('\n')).toMatch(
        /token usage that is not a count \(prompt_tokens, completion_tokens\)/,
      );
      const [day] = await temporal.workflow.getHandle(userSpendWorkflowId(user)).query(spendQuery);
      expect(day!.spentUsd).toBeGreaterThan(0);
      expect(day!.spentUsd).toBeCloseTo(result.usage.costUsd, 9);
    });
  });

  test('usage that is not a number does not stop the run from ending', async () => {
    const script: ScriptFn = (_request, turn, attempt) =>
      turn === 0 ? rawReply(listFilesWithUsage('{"prompt_tokens":"lots","completion_tokens":[1]}'), attempt) : ANSWER;
    await withReins({ script }, async ({ reins, temporal }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u', prices });
      const result = await endOf(reins, runId);
      expect(result.status).toBe('completed');
      expectSaneUsage(result);
      const { searchAttributes } = await temporal.workflow.getHandle(runId).describe();
      expect(searchAttributes.ReinsTokens).toEqual([result.usage.totalTokens]);
    });
  });

  test('a completion that cannot be read is retried as ModelResponseInvalid', async () => {
    const unreadable = JSON.stringify({ id: 'x', model: 'm', choices: [{ index: 0, message: { content: 5 } }] });
    const script: ScriptFn = (_request, _turn, attempt) => (attempt === 1 ? rawReply(unreadable, 1) : ANSWER);
    await withReins({ script }, async ({ reins, temporal, model }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u' });
      const result = await endOf(reins, runId);
      expect(result).toMatchObject({ status: 'completed', answer: 'done' });
      expect(model.requests).toHaveLength(2);
      const history = JSON.stringify(await temporal.workflow.getHandle(runId).fetchHistory());
      expect(history).toContain('ModelResponseInvalid');
    });
  });
});

describe('the daily spend ledger only goes up', () => {
  test('a negative reservation or settlement sent to the ledger counts as nothing', async () => {
    await withReins({ script: [ANSWER] }, async ({ temporal, taskQueue }) => {
      const user = `ledger-${Date.now()}`;
      const day = '2026-01-01';
      const withStart = () =>
        new WithStartWorkflowOperation(USER_SPEND_WORKFLOW, {
          workflowId: userSpendWorkflowId(user),
          taskQueue,
          args: [],
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
      const reserve = (reservation: SpendReservation) =>
        temporal.workflow.executeUpdateWithStart(reserveSpendUpdate, {
          args: [reservation],
          startWorkflowOperation: withStart(),
        });
      const settle = (settlement: SpendSettlement) =>
        temporal.workflow.executeUpdateWithStart(settleSpendUpdate, {
          args: [settlement],
          startWorkflowOperation: withStart(),
        });
      await reserve({ reservationId: 'r1', runId: 'run', day, amountUsd: 0.5, capUsd: 1 });
      await settle({ reservationId: 'r1', day, actualUsd: 0.25 });
      const refund = await reserve({ reservationId: 'r2', runId: 'run', day, amountUsd: -1000, capUsd: 1 });
      expect(refund.reservedUsd).toBe(0);
      const after = await settle({ reservationId: 'r2', day, actualUsd: -1000 });
      expect(after.spentUsd).toBe(0.25);
      const nan = await reserve({ reservationId: 'r3', runId: 'run', day, amountUsd: Number.NaN, capUsd: 1 });
      expect(nan.reservedUsd).toBe(0);
      const [ledger] = await temporal.workflow.getHandle(userSpendWorkflowId(user)).query(spendQuery);
      expect(ledger).toMatchObject({ day, spentUsd: 0.25, reservedUsd: 0 });
    });
  });
});
