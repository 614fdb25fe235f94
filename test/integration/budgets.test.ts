import type { ScriptFn } from '../../testing/scripted-model';
import { spendQuery, userSpendWorkflowId } from '../../common/spend-ledger';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';

const PRICE = { input: 1, output: 10 }; // USD per million tokens: easy arithmetic
const prices = { 'scripted-1': PRICE };

/** A model that keeps listing files and reports big usage; like real providers it stops at the request's max_tokens. */
const bigSpender =
  (promptTokens: number, wantedOutput: number): ScriptFn =>
  (request) => {
    const cap = (request as { max_tokens?: number }).max_tokens;
    return {
      reply: {
        toolCalls: [{ name: 'list_files', arguments: {} }],
        usage: { promptTokens, completionTokens: cap === undefined ? wantedOutput : Math.min(cap, wantedOutput) },
      },
    };
  };

describe('budgets stop the run exactly as specified', () => {
  test('maxToolCalls: the call over the limit never runs and the run stops before the next model call', async () => {
    const script = [0, 1, 2].map(() => ({
      reply: {
        toolCalls: [
          { name: 'list_files', arguments: {} },
          { name: 'list_files', arguments: {} },
        ],
      },
    }));
    await withReins({ script }, async ({ reins, model }) => {
      const spec = fileClerkSpec({ budget: { maxToolCalls: 3 } });
      const result = await reins.result((await reins.startRun({ spec, prompt: 'p', userId: 'u' })).runId);
      expect(result.status).toBe('budget_exhausted');
      expect(result.reason).toBe('maxToolCalls budget of 3 tool calls used up');
      expect(result.usage.toolCalls).toBe(3);
      expect(result.toolCalls.map((c) => c.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded', 'denied']);
      expect(model.requests).toHaveLength(2);
    });
  });

  test('token budgets clamp each response and overshoot by at most one prompt', async () => {
    await withReins({ script: bigSpender(1000, 700) }, async ({ reins, model }) => {
      const spec = fileClerkSpec({ budget: { maxOutputTokens: 1500, maxTotalTokens: 4000 } });
      const result = await reins.result((await reins.startRun({ spec, prompt: 'p', userId: 'u' })).runId);
      expect(result.status).toBe('budget_exhausted');
      expect(result.usage.outputTokens).toBeLessThanOrEqual(1500);
      expect(result.usage.totalTokens).toBeLessThanOrEqual(4000 + 1000);
      // The allowance sent with each request shrank as the budget was used.
      const sent = model.requests.map((r) => (r.body as { max_tokens?: number }).max_tokens);
      expect(sent[0]).toBe(1500);
      expect(sent[1]).toBe(800);
      expect(result.modelCalls.map((c) => c.maxOutputTokens)).toEqual(sent);
      expect(result.reason).toMatch(/^max(Total|Output)Tokens budget/);
    });
  });

  test('maxInputTokens stops before the call that would start over the limit', async () => {
    await withReins({ script: bigSpender(3000, 10) }, async ({ reins, model }) => {
      const spec = fileClerkSpec({ budget: { maxInputTokens: 5000 } });
      const result = await reins.result((await reins.startRun({ spec, prompt: 'p', userId: 'u' })).runId);
      expect(result.reason).toBe('maxInputTokens budget of 5000 used up (6000)');
      expect(model.requests).toHaveLength(2);
    });
  });

  test('maxCostUsd: cost per call and in total, on the search attribute, overshoot bounded by a prompt', async () => {
    await withReins({ script: bigSpender(1000, 2000) }, async ({ reins, temporal }) => {
      const spec = fileClerkSpec({ budget: { maxCostUsd: 0.05 } });
      const { runId } = await reins.startRun({ spec, prompt: 'p', userId: 'u', prices });
      const result = await reins.result(runId);
      expect(result.status).toBe('budget_exhausted');
      expect(result.reason).toMatch(/maxCostUsd/);
      const promptCost = (1000 * PRICE.input) / 1e6;
      expect(result.usage.costUsd).toBeLessThanOrEqual(0.05 + promptCost + 1e-12);
      const sum = result.modelCalls.reduce((total, call) => total + (call.costUsd ?? 0), 0);
      expect(result.usage.costUsd).toBeCloseTo(sum, 12);
      expect(result.usage.inputTokens).toBe(result.modelCalls.reduce((t, c) => t + c.inputTokens, 0));
      expect(result.usage.outputTokens).toBe(result.modelCalls.reduce((t, c) => t + c.outputTokens, 0));
      expect(result.modelCalls[0]).toMatchObject({ provider: 'scripted', model: 'scripted-1', costUsd: 0.021 });
      const { searchAttributes } = await temporal.workflow.getHandle(runId).describe();
      expect(searchAttributes.ReinsCostUsd?.[0]).toBeCloseTo(result.usage.costUsd, 6);
      expect(searchAttributes.ReinsTokens).toEqual([result.usage.totalTokens]);
    });
  });

  test('budgets larger than the model window leaves for a response run normally at the model ceiling', async () => {
    const mini = { 'scripted-1': { input: 0.15, output: 0.6 } };
    const script = [0, 1, 2].map(() => ({
      reply: { content: 'done', usage: { promptTokens: 200, completionTokens: 5 } },
    }));
    await withReins({ script }, async ({ reins, model }) => {
      const budgets = [{ maxTotalTokens: 1_000_000 }, { maxOutputTokens: 200_000 }, { maxCostUsd: 1 }];
      for (const budget of budgets) {
        const spec = fileClerkSpec({ budget });
        const result = await reins.result(
          (await reins.startRun({ spec, prompt: 'p', userId: 'u', prices: mini })).runId,
        );
        expect({ budget, status: result.status, error: result.lastError }).toEqual({
          budget,
          status: 'completed',
          error: undefined,
        });
      }
      // The default window (128k) keeps 4096 for the response: that is the most a budget lets one response use.
      expect(model.requests.map((r) => (r.body as { max_tokens?: number }).max_tokens)).toEqual([4096, 4096, 4096]);
    });
  });

  test('an unpriced model: cost unknown, with a warning, never zero', async () => {
    await withReins({ script: [{ reply: { content: 'ok' } }] }, async ({ reins }) => {
      const result = await reins.result(
        (await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u', prices: {} })).runId,
      );
      expect(result.usage).toMatchObject({ costUsd: 0, costUnknown: true });
      expect(result.modelCalls[0]?.costUsd).toBeNull();
      expect(result.warnings).toEqual(['model scripted-1 has no price: its cost is unknown']);
      await expect(
        reins.startRun({ spec: fileClerkSpec({ budget: { maxCostUsd: 1 } }), prompt: 'p', userId: 'u', prices: {} }),
      ).rejects.toThrow(/spec\.budget\.maxCostUsd: a cost limit needs a price for model "scripted-1"/);
    });
  });

  test('maxDuration fires while the run waits for an approval; the gate is closed and the transcript kept', async () => {
    const script = [{ reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'x' } }] } }];
    await withReins({ script }, async ({ reins }) => {
      // Long enough for a loaded machine to reach the gate before the timer fires.
      const spec = fileClerkSpec({ budget: { maxDuration: '10s' } });
      const { runId } = await reins.startRun({ spec, prompt: 'p', userId: 'u' });
      await waitForState(reins, runId, (s) => s.status === 'awaiting_approval');
      const result = await reins.result(runId);
      expect(result).toMatchObject({ status: 'budget_exhausted', reason: 'maxDuration budget of 10s reached' });
      expect(result.pendingApprovals).toEqual([]);
      expect(result.decisions).toEqual([expect.objectContaining({ by: 'reins:budget', decision: 'reject' })]);
      expect(result.transcript.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    });
  });

  test('maxDuration fires during a slow model call; the call is cancelled and the run ends cleanly', async () => {
    await withReins(
      { script: [{ reply: { content: 'too late' }, delayMs: 60_000 }] },
      async ({ reins, temporal, model }) => {
        const spec = fileClerkSpec({ budget: { maxDuration: '10s' } });
        const { runId } = await reins.startRun({ spec, prompt: 'p', userId: 'u' });
        const result = await reins.result(runId);
        // The model received the call and was still thinking when the timer fired.
        expect(model.requests).toHaveLength(1);
        expect(result).toMatchObject({
          status: 'budget_exhausted',
          reason: 'maxDuration budget of 10s reached',
          step: 1,
        });
        expect(result.usage.modelCalls).toBe(0);
        const history = await temporal.workflow.getHandle(runId).fetchHistory();
        expect(history.events?.some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(true);
      },
    );
  });

  test('ten concurrent runs of one user never exceed the user daily cap together', async () => {
    // Each call costs 1000 × $1/M + 100 × $10/M = $0.002; the cap allows only some of the 10 × 5 calls.
    const script: ScriptFn = (_request, turn) =>
      turn < 5
        ? {
            reply: {
              toolCalls: [{ name: 'list_files', arguments: {} }],
              usage: { promptTokens: 1000, completionTokens: 100 },
            },
          }
        : { reply: { content: 'done', usage: { promptTokens: 1000, completionTokens: 100 } } };
    await withReins({ script }, async ({ reins, temporal }) => {
      const user = `capped-${Date.now()}`;
      const cap = 0.03;
      const spec = fileClerkSpec({ model: { name: 'scripted-1', maxOutputTokens: 200 } });
      const runs = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          reins.startRun({ spec, prompt: `run ${i}`, userId: user, prices, spendCap: { dailyUsd: cap } }),
        ),
      );
      const results = await Promise.all(runs.map((r) => reins.result(r.runId)));
      const total = results.reduce((sum, r) => sum + r.usage.costUsd, 0);
      expect(total).toBeLessThanOrEqual(cap + 1e-9);
      const capped = results.filter((r) => r.status === 'budget_exhausted');
      expect(capped.length).toBeGreaterThan(0);
      expect(capped[0]?.reason).toMatch(new RegExp(`daily spend cap of \\$${cap} for ${user} reached`));
      const ledger = await temporal.workflow.getHandle(userSpendWorkflowId(user)).query(spendQuery);
      expect(ledger).toHaveLength(1);
      expect(ledger[0]!.spentUsd).toBeCloseTo(total, 9);
      expect(ledger[0]!.reservedUsd).toBe(0);
    });
  });
});
