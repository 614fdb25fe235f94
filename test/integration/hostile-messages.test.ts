import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import fc from 'fast-check';
import type { ReinsClient } from '../../client';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../shared/codec';
import { reinsDataConverter } from '../../shared/payload-storage';
import type { RunState } from '../../common/run-state';
import { fileClerkSpec, tempDataDir, waitForState, withReins } from '../helpers/harness';

const EventType = temporal.api.enums.v1.EventType;
const COMPLETED =
  temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
const SEED = 20261202;

const script = [
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } },
  { reply: { content: 'done' } },
];
// Anyone holding the ops role may decide; olga does.
const spec = fileClerkSpec({ approvals: { approvers: { users: [], roles: ['ops'] } } });
const roles = { olga: ['ops'], mike: ['dev'] };

const bytes = (text: string) => new TextEncoder().encode(text);
const jsonPayload = (value: unknown): Payload => ({
  metadata: { encoding: bytes('json/plain') },
  data: bytes(JSON.stringify(value)),
});
/** A claim on a payload store entry that does not exist (or a store no worker has). */
const claimPayload = (driverName: string, key: string): Payload => ({
  metadata: {
    encoding: bytes('json/protobuf'),
    messageType: bytes('temporal.api.sdk.v1.ExternalStorageReference'),
  },
  data: bytes(JSON.stringify({ driverName, claimData: { key } })),
});

/** Hand-built payloads the SDK's own converter would never write. */
const rawPayload: fc.Arbitrary<Payload> = fc.oneof(
  fc
    .record({ encoding: fc.oneof(fc.string(), fc.constantFrom('json/plain', 'json/protobuf', 'binary/plain')) })
    .chain(({ encoding }) =>
      fc.uint8Array({ maxLength: 300 }).map((data) => ({ metadata: { encoding: bytes(encoding) }, data })),
    ),
  fc.string().map((text) => ({ metadata: { encoding: bytes('json/plain') }, data: bytes(`{${text}`) })),
  fc.constantFrom(
    claimPayload('fs', 'ab'.repeat(32)),
    claimPayload('fs', '../../etc/passwd'),
    claimPayload('elsewhere', 'ab'.repeat(32)),
    { metadata: { encoding: bytes(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: bytes('nobody') }, data: bytes('x') },
    { metadata: {}, data: bytes('{}') },
    { data: bytes('null') },
  ),
);

/** Decisions shaped like the real thing, from people who may not decide, with whatever else attached. */
const decisionLike = fc.record(
  {
    requestId: fc.oneof(fc.constant('1-1'), fc.string()),
    decision: fc.oneof(fc.constantFrom('approve', 'reject'), fc.string()),
    by: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES, 'mike', '', 'x'.repeat(100_000)), fc.string()),
    reason: fc.oneof(fc.string(), fc.jsonValue()),
    editedArgs: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
    // Credentials of the right shape go on to the worker's verifier, which must refuse them without failing anything.
    credential: fc.oneof(
      fc.jsonValue(),
      fc.record({ kind: fc.constant('jwt'), token: fc.oneof(fc.string({ minLength: 1 }), fc.constant('a.b.c')) }),
      fc.record({ kind: fc.constant('signature'), jws: fc.string({ minLength: 1 }) }),
      fc.record({ kind: fc.constant('jwt'), token: fc.constant('x'.repeat(20_000)) }),
    ),
    __proto__: fc.jsonValue(),
    constructor: fc.jsonValue(),
  },
  { requiredKeys: ['requestId', 'decision', 'by'] },
);

type Message =
  | { door: 'update' | 'signal'; payload: Payload }
  | { door: 'applyPolicy'; payload: Payload }
  | { door: 'query'; name: 'state' | 'transcript'; payload: Payload };

const payloadOf = fc.oneof(
  fc.jsonValue().map(jsonPayload),
  decisionLike.filter((d) => d.by !== 'olga').map(jsonPayload),
  rawPayload,
);
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ door: fc.constantFrom('update' as const, 'signal' as const), payload: payloadOf }),
  fc.record({
    door: fc.constant('applyPolicy' as const),
    payload: fc.oneof(
      fc.jsonValue().map(jsonPayload),
      fc
        .record({ by: fc.oneof(fc.string(), fc.constant('y'.repeat(100_000))), reason: fc.jsonValue() })
        .map(jsonPayload),
      rawPayload,
    ),
  }),
  fc.record({
    door: fc.constant('query' as const),
    name: fc.constantFrom('state' as const, 'transcript' as const),
    payload: payloadOf,
  }),
);

/** Sends one message through the raw gRPC service, past every client-side check; undefined when it was accepted. */
async function send(client: Client, workflowId: string, sent: Message): Promise<string | undefined> {
  const service = client.workflowService;
  const execution = { workflowId };
  if (sent.door === 'signal') {
    await service.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: execution,
      signalName: 'decide',
      input: { payloads: [sent.payload] },
      identity: 'hostile-test',
      requestId: randomUUID(),
    });
    return undefined;
  }
  if (sent.door === 'query') {
    await service.queryWorkflow({
      namespace: 'default',
      execution,
      query: { queryType: sent.name, queryArgs: { payloads: [sent.payload] } },
    });
    return undefined;
  }
  const updateId = randomUUID();
  // The server answers a long poll without an outcome when the workflow does not get to the update in time.
  for (let poll = 1; ; poll += 1) {
    const response = await service.updateWorkflowExecution({
      namespace: 'default',
      workflowExecution: execution,
      waitPolicy: { lifecycleStage: COMPLETED },
      request: {
        meta: { updateId, identity: 'hostile-test' },
        input: { name: sent.door === 'update' ? 'decide' : 'applyPolicy', args: { payloads: [sent.payload] } },
      },
    });
    if (response.outcome) return response.outcome.failure?.message ?? undefined;
    if (poll === 3) throw new Error(`update ${updateId} was not answered`);
  }
}

async function taskFailures(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
    .map((event) => event.workflowTaskFailedEventAttributes?.failure?.message ?? 'workflow task failed');
}

async function startWaitingRun(reins: ReinsClient, prefix: string): Promise<string> {
  const runId = `${prefix}-${randomUUID().slice(0, 8)}`;
  await reins.startRun({ spec, prompt: 'delete a.txt', userId: 'u', roles }, { runId });
  // Generous: the first task waits for a worker that may still be loading its bundle on a busy machine.
  await waitForState(reins, runId, (s) => s.pendingApprovals.length === 1, 120_000);
  return runId;
}

async function approveAndFinish(reins: ReinsClient, runId: string): Promise<RunState> {
  await reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'olga' });
  return reins.result(runId);
}

describe('hostile messages never fail a workflow task', () => {
  test('any decide, applyPolicy or query payload, by update, signal or query: the run goes on and still decides', async () => {
    await withReins({ script }, async ({ reins, temporal: client }) => {
      const runId = await startWaitingRun(reins, 'hostile');
      const handle = client.workflow.getHandle(runId);
      let signals = 0;
      await fc.assert(
        fc.asyncProperty(message, async (sent) => {
          const refusal = await send(client, runId, sent).catch((error: Error) =>
            sent.door === 'query' ? undefined : Promise.reject(error),
          );
          if (sent.door === 'update' || sent.door === 'applyPolicy') expect(refusal).toEqual(expect.any(String));
          if (sent.door === 'signal') {
            signals += 1;
            // Every signal here is refused and kept, whatever it carried (the list keeps the newest hundred).
            await waitForState(reins, runId, (s) => s.ignoredDecisions.length === Math.min(signals, 100), 60_000);
          }
          const state = await reins.getState(runId);
          expect(state.status).toBe('awaiting_approval');
          expect(await taskFailures(handle)).toEqual([]);
        }),
        { numRuns: 30, seed: SEED, endOnFailure: true },
      );
      const result = await approveAndFinish(reins, runId);
      expect(result.status).toBe('completed');
      expect(result.decisions).toEqual([expect.objectContaining({ by: 'olga', decision: 'approve' })]);
      expect(await taskFailures(handle)).toEqual([]);
    });
  });

  test('by the client library: a prototype name, a huge name or a malformed body is refused or kept as ignored', async () => {
    await withReins({ script }, async ({ reins, temporal: client }) => {
      const runId = await startWaitingRun(reins, 'library');
      const handle = client.workflow.getHandle(runId);
      await fc.assert(
        fc.asyncProperty(decisionLike, fc.boolean(), async (decision, bySignal) => {
          fc.pre(decision.by !== 'olga');
          if (bySignal) await handle.signal('decide', decision);
          else await expect(handle.executeUpdate('decide', { args: [decision] })).rejects.toThrow();
          expect((await reins.getState(runId)).status).toBe('awaiting_approval');
        }),
        { numRuns: 20, seed: SEED },
      );
      await waitForState(reins, runId, (s) => s.ignoredDecisions.length > 0);
      expect(await taskFailures(handle)).toEqual([]);
      expect((await approveAndFinish(reins, runId)).status).toBe('completed');
    });
  });

  test('undecodable signals and updates are kept or refused with the reason', async () => {
    await withReins({ script }, async ({ reins, temporal: client }) => {
      const runId = await startWaitingRun(reins, 'undecodable');
      const unknown = { metadata: { encoding: bytes('application/x-unknown') }, data: bytes('{}') };
      await send(client, runId, { door: 'signal', payload: unknown });
      await send(client, runId, { door: 'signal', payload: claimPayload('fs', 'cd'.repeat(32)) });
      const state = await waitForState(reins, runId, (s) => s.ignoredDecisions.length === 2 && s);
      expect(state.ignoredDecisions.map((i) => i.why)).toEqual([
        expect.stringMatching(/^payload could not be decoded: .*Unknown encoding: application\/x-unknown/),
        expect.stringMatching(/^payload could not be decoded: payload (cd){32} is not in .*shared/),
      ]);
      expect(await send(client, runId, { door: 'update', payload: unknown })).toMatch(
        /^payload could not be decoded: .*Unknown encoding/,
      );
      expect(await send(client, runId, { door: 'applyPolicy', payload: unknown })).toMatch(
        /^payload could not be decoded: .*Unknown encoding/,
      );
      expect((await approveAndFinish(reins, runId)).status).toBe('completed');
      expect(await taskFailures(client.workflow.getHandle(runId))).toEqual([]);
    });
  });

  test('a large decide signal from a machine without the shared payload store is kept as ignored', async () => {
    await withReins({ script }, async ({ reins, temporal: client }) => {
      const runId = await startWaitingRun(reins, 'elsewhere');
      // A legitimate approver on another machine: its client writes the large payload to its own store.
      const elsewhere = new Client({
        connection: client.connection,
        namespace: 'default',
        dataConverter: reinsDataConverter({ dir: path.join(tempDataDir(), 'payloads') }),
      });
      const decision = {
        requestId: '1-1',
        decision: 'approve',
        by: 'olga',
        editedArgs: { path: 'a.txt', note: 'n'.repeat(70 * 1024) },
      };
      await elsewhere.workflow.getHandle(runId).signal('decide', decision);
      const state = await waitForState(reins, runId, (s) => s.ignoredDecisions[0]);
      expect(state.why).toMatch(/^payload could not be decoded: payload [0-9a-f]{64} is not in .*shared/);
      expect(await taskFailures(client.workflow.getHandle(runId))).toEqual([]);
      expect((await approveAndFinish(reins, runId)).status).toBe('completed');
    });
  });

  test('a run whose input cannot be decoded fails closed with PayloadUndecodable', async () => {
    await withReins({ script }, async ({ temporal: client, taskQueue }) => {
      const workflowId = `bad-input-${randomUUID().slice(0, 8)}`;
      await client.workflowService.startWorkflowExecution({
        namespace: 'default',
        workflowId,
        workflowType: { name: 'agentRun' },
        taskQueue: { name: taskQueue },
        input: { payloads: [{ metadata: { encoding: bytes('json/plain') }, data: bytes('{not json') }] },
        identity: 'hostile-test',
        requestId: randomUUID(),
      });
      const handle = client.workflow.getHandle(workflowId);
      await expect(handle.result()).rejects.toMatchObject({
        cause: { type: 'PayloadUndecodable', message: expect.stringMatching(/^workflow input 1: payload could not/) },
      });
      expect(await taskFailures(handle)).toEqual([]);
    });
  });
});
