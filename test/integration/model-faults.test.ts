import { fileClerkSpec, withReins } from '../helpers/harness';

const answer = (content: string) => ({ reply: { content } });

describe('model failures are typed, retried by Temporal or not at all', () => {
  test('a 500 is retried and the run completes', async () => {
    await withReins({ script: [{ ...answer('recovered'), faults: [{ status: 500 }] }] }, async ({ reins, model }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'hi', userId: 'u' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(result.answer).toBe('recovered');
      expect(model.requests.map((r) => r.outcome)).toEqual(['fault', 'reply']);
      expect(result.usage.modelCalls).toBe(1);
    });
  });

  test('a 429 with retry-after waits at least that long before the next attempt', async () => {
    const script = [{ ...answer('after the wait'), faults: [{ status: 429, headers: { 'retry-after': '3' } }] }];
    await withReins({ script }, async ({ reins, model }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'hi', userId: 'u' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      const [limited, retried] = model.requests;
      expect(limited?.outcome).toBe('fault');
      expect(retried!.receivedAt - limited!.receivedAt).toBeGreaterThanOrEqual(3000);
    });
  });

  test('retry-after-ms is honoured too', async () => {
    const script = [{ ...answer('ok'), faults: [{ status: 503, headers: { 'retry-after-ms': '2500' } }] }];
    await withReins({ script }, async ({ reins, model }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'hi', userId: 'u' });
      expect((await reins.result(runId)).status).toBe('completed');
      expect(model.requests[1]!.receivedAt - model.requests[0]!.receivedAt).toBeGreaterThanOrEqual(2500);
    });
  });

  test('a 400 fails the model call without a retry and the run ends failed with the error in its state', async () => {
    const script = [
      {
        ...answer('never'),
        faults: [{ status: 400, body: { error: { message: 'tools[0] is malformed', type: 'invalid_request_error' } } }],
      },
    ];
    await withReins({ script }, async ({ reins, model, temporal }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'hi', userId: 'u' });
      const result = await reins.result(runId);
      expect(model.requests).toHaveLength(1);
      expect(result.status).toBe('failed');
      expect(result.lastError).toMatchObject({ type: 'ModelBadRequest', step: 1 });
      expect(result.lastError?.message).toMatch(/answered 400: .*tools\[0\] is malformed/);
      const state = await reins.getState(runId);
      expect(state.lastError?.type).toBe('ModelBadRequest');
      const description = await temporal.workflow.getHandle(runId).describe();
      expect(description.status.name).toBe('FAILED');
      expect(description.searchAttributes).toMatchObject({ ReinsStatus: ['failed'] });
    });
  });

  test('a dropped connection is retried', async () => {
    await withReins({ script: [{ ...answer('back'), faults: [{ hangup: true }] }] }, async ({ reins, model }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'hi', userId: 'u' });
      expect((await reins.result(runId)).answer).toBe('back');
      expect(model.requests.map((r) => r.outcome)).toEqual(['hangup', 'reply']);
    });
  });

  test('a slow response is waited for', async () => {
    await withReins({ script: [{ ...answer('slowly'), delayMs: 1500 }] }, async ({ reins, model }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'hi', userId: 'u' });
      const result = await reins.result(runId);
      expect(result.answer).toBe('slowly');
      expect(model.requests).toHaveLength(1);
    });
  });
});
