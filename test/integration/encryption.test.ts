import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { defineTool } from '../../common/tools/define-tool';
import { ReinsClient } from '../../client';
import { EncryptionCodec, KEY_ID_METADATA, parseEncryptionKeys } from '../../shared/codec';
import { reinsDataConverter } from '../../shared/payload-storage';
import { startScriptedModel } from '../../testing/scripted-model';
import { createReinsWorker } from '../../worker/create-worker';
import { fileClerkSpec, tempDataDir, testWorkerConfig, waitForState, withReins } from '../helpers/harness';
import { connectClient, testAddress, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';
import { Client, Connection } from '@temporalio/client';

const keysA = parseEncryptionKeys(`a:${randomBytes(32).toString('base64')}`);
const keyB = parseEncryptionKeys(`b:${randomBytes(32).toString('base64')}`);
const keysAB = [...keysA, ...keyB];

const PROMPT = 'Summarise the confidential merger plan for Project Larkspur';
const TOOL_ARG = 'larkspur-args-marker';
const TOOL_RESULT = 'larkspur-result-marker';
const FAILURE = 'larkspur-failure-marker';

const lookup = defineTool({
  name: 'lookup',
  description: 'Looks something up.',
  class: 'read',
  schema: z.strictObject({ query: z.string() }),
  execute: async ({ query }, context) => {
    // The first attempt fails; its message is recorded with the retry and must be encrypted like everything else.
    if (context.attempt === 1) throw new Error(`${FAILURE} while looking up ${query}`);
    return `${TOOL_RESULT} for ${query}`;
  },
});

/** Every byte of the history as the server stores it, without any codec. */
async function rawHistory(runId: string): Promise<{ bytes: string; payloads: Payload[] }> {
  const { connection, client } = await connectClient();
  try {
    const history = await client.workflow.getHandle(runId).fetchHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
    const payloads: Payload[] = [];
    const collect = (value: unknown): void => {
      if (!value || typeof value !== 'object') return;
      if (Array.isArray(value)) return value.forEach(collect);
      const record = value as Record<string, unknown>;
      if (record.metadata && typeof record.metadata === 'object' && 'data' in record) payloads.push(record as Payload);
      Object.values(record).forEach(collect);
    };
    collect(history);
    return { bytes, payloads };
  } finally {
    await connection.close();
  }
}

function keyIdsOf(payloads: Payload[]): Set<string> {
  return new Set(
    payloads.flatMap((p) => {
      const id = p.metadata?.[KEY_ID_METADATA];
      return id ? [Buffer.from(id).toString()] : [];
    }),
  );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile());
}

describe('payload encryption', () => {
  test('history holds no prompt, tool arguments or results without the codec; with it the run reads normally', async () => {
    await withReins(
      {
        encryptionKeys: keysA,
        extraTools: [lookup],
        script: [
          { reply: { toolCalls: [{ name: 'lookup', arguments: { query: TOOL_ARG } }] } },
          // Large enough to be claim-checked: the stored file must be ciphertext too.
          { reply: { content: `Done. ${'larkspur-answer '.repeat(6000)}` } },
        ],
      },
      async ({ reins, dataDir }) => {
        const { runId } = await reins.startRun({
          spec: fileClerkSpec({ tools: [{ name: 'lookup' }] }),
          prompt: PROMPT,
          userId: 'alice',
        });
        const result = await reins.result(runId);
        expect(result.status).toBe('completed');
        expect(result.answer).toContain('larkspur-answer');

        const { bytes, payloads } = await rawHistory(runId);
        // Search attributes (agent name, user, status) stay readable for listing runs; everything else is ciphertext.
        for (const plain of ['Larkspur', TOOL_ARG, TOOL_RESULT, FAILURE, 'larkspur-answer', 'manage files']) {
          expect(bytes).not.toContain(plain);
        }
        expect(keyIdsOf(payloads)).toEqual(new Set(['a']));
        const stored = filesUnder(path.join(dataDir, 'payloads'));
        expect(stored.length).toBeGreaterThan(0);
        for (const file of stored) {
          expect(readFileSync(file).toString('latin1')).not.toContain('larkspur');
        }

        // With the codec the same payloads decode to the prompt and the tool's result.
        const all = await new EncryptionCodec(keysA).decode(payloads);
        const text = all.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
        expect(text).toContain(PROMPT);
        expect(text).toContain(TOOL_RESULT);
        expect(text).toContain(FAILURE);
      },
    );
  });

  test('a run started under key A finishes after the worker moves to keys [A, B]', async () => {
    const model = await startScriptedModel({
      script: [
        { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'old.log' } }] } },
        { reply: { content: 'Deleted old.log' } },
      ],
    });
    const taskQueue = uniqueTaskQueue('reins-rotation');
    const dataDir = tempDataDir();
    const payloadDir = path.join(dataDir, 'payloads');
    const connection = await Connection.connect({ address: testAddress() });
    const native = await NativeConnection.connect({ address: testAddress() });
    const clientWith = (keys: typeof keysA) =>
      new ReinsClient(
        new Client({
          connection,
          namespace: 'default',
          dataConverter: reinsDataConverter({ dir: payloadDir, encryption: keys }),
        }),
        { taskQueue },
      );
    const workerWith = (keys: typeof keysA) =>
      createReinsWorker({
        config: { ...testWorkerConfig(taskQueue, model.url, dataDir), encryptionKeys: keys },
        connection: native,
        workflowBundle: workflowBundle(),
      });
    try {
      const before = clientWith(keysA);
      const first = await workerWith(keysA);
      const { runId } = await first.runUntil(async () => {
        const started = await before.startRun({ spec: fileClerkSpec(), prompt: 'Clean up', userId: 'alice' });
        await waitForState(before, started.runId, (s) => s.pendingApprovals[0]);
        return started;
      });

      const after = clientWith(keysAB);
      const second = await workerWith(keysAB);
      await second.runUntil(async () => {
        const pending = await waitForState(after, runId, (s) => s.pendingApprovals[0]);
        await after.decide(runId, { requestId: pending.requestId, decision: 'approve', by: 'mike' });
        const result = await after.result(runId);
        expect(result.status).toBe('completed');
        expect(result.answer).toBe('Deleted old.log');
      });

      const { payloads } = await rawHistory(runId);
      expect(keyIdsOf(payloads)).toEqual(new Set(['a', 'b']));
      // A process holding only the old key cannot read what was written after the rotation.
      await expect(clientWith(keysA).result(runId)).rejects.toThrow();
    } finally {
      await native.close();
      await connection.close();
      await model.close();
    }
  });
});
