import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import type { Directory, SandboxSettings } from '../../activities';
import type { ToolImplementation } from '../../common/tools/define-tool';
import type { AgentSpecInput } from '../../common/agent-spec';
import { ReinsClient } from '../../client';
import type { EncryptionKeys } from '../../shared/codec';
import { reinsDataConverter } from '../../shared/payload-storage';
import { startScriptedModel, type Script, type ScriptFn, type ScriptedModelServer } from '../../testing/scripted-model';
import { createReinsWorker } from '../../worker/create-worker';
import type { WorkerConfig } from '../../worker/config';
import { connectClient, connectNative, testAddress, uniqueTaskQueue, workflowBundle } from './temporal';

export interface ReinsTestContext {
  reins: ReinsClient;
  temporal: Client;
  model: ScriptedModelServer;
  taskQueue: string;
  dataDir: string;
  config: WorkerConfig;
}

export function testWorkerConfig(taskQueue: string, modelUrl: string, dataDir: string): WorkerConfig {
  return {
    temporalAddress: testAddress(),
    namespace: 'default',
    taskQueue,
    model: { baseURL: modelUrl, apiKey: 'test-key', provider: 'scripted' },
    dataDir,
  };
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'reins-test-'));
}

/** A scripted model, a worker on its own task queue and a client, for the length of `body`. */
export async function withReins(
  options: {
    script: Script | ScriptFn;
    extraTools?: ToolImplementation[];
    encryptionKeys?: EncryptionKeys;
    /** A platform policy file for the worker. */
    policyFile?: string;
    /** A roles file for the worker's directory. */
    rolesFile?: string;
    /** An organisation's own directory for the worker (instead of a roles file). */
    directory?: Directory;
    /** How the worker runs run_code (bubblewrap with default limits when unset). */
    sandbox?: SandboxSettings;
    /** REINS_CONSOLE_URL: notifications link to requests there. */
    consoleUrl?: string;
    /** Passed to the Temporal worker (e.g. `maxCachedWorkflows: 0`, so every task replays the history). */
    workerOptions?: Partial<WorkerOptions>;
  },
  body: (context: ReinsTestContext) => Promise<void>,
): Promise<void> {
  const model = await startScriptedModel({ script: options.script });
  const taskQueue = uniqueTaskQueue('reins-test');
  const dataDir = tempDataDir();
  const config = {
    ...testWorkerConfig(taskQueue, model.url, dataDir),
    encryptionKeys: options.encryptionKeys,
    ...(options.policyFile ? { policyFile: options.policyFile } : {}),
    ...(options.rolesFile ? { rolesFile: options.rolesFile } : {}),
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.consoleUrl ? { consoleUrl: options.consoleUrl } : {}),
  };
  let native: NativeConnection | undefined;
  const { connection, client: plainClient } = await connectClient(path.join(dataDir, 'payloads'));
  const client = options.encryptionKeys
    ? new Client({
        connection,
        namespace: 'default',
        dataConverter: reinsDataConverter({ dir: path.join(dataDir, 'payloads'), encryption: options.encryptionKeys }),
      })
    : plainClient;
  try {
    native = await connectNative();
    const worker = await createReinsWorker({
      config,
      connection: native,
      workflowBundle: workflowBundle(),
      extraTools: options.extraTools,
      ...(options.directory ? { directory: options.directory } : {}),
      ...(options.workerOptions ? { workerOptions: options.workerOptions } : {}),
    });
    const reins = new ReinsClient(client, { taskQueue });
    await worker.runUntil(body({ reins, temporal: client, model, taskQueue, dataDir, config }));
  } finally {
    await native?.close();
    await connection.close();
    await model.close();
  }
}

export function fileClerkSpec(overrides: Partial<AgentSpecInput> = {}): AgentSpecInput {
  return {
    name: 'file-clerk',
    instructions: 'You manage files in your workspace.',
    model: { name: 'scripted-1' },
    tools: [{ name: 'list_files' }, { name: 'read_file' }, { name: 'write_file' }, { name: 'delete_file' }],
    maxSteps: 10,
    ...overrides,
  };
}

/** Polls the run's state until `predicate` holds; queries are cheap and answer from the worker's cache. */
export async function waitForState<T>(
  reins: ReinsClient,
  runId: string,
  predicate: (state: Awaited<ReturnType<ReinsClient['getState']>>) => T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const state = await reins.getState(runId);
      last = state;
      const value = predicate(state);
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `run ${runId} did not reach the expected state in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`,
  );
}

/** The messages the model received on a given request, as plain objects. */
export function messagesOf(model: ScriptedModelServer, index: number): Array<Record<string, unknown>> {
  const request = model.requests[index];
  if (!request) throw new Error(`the model received ${model.requests.length} requests, not ${index + 1}`);
  return request.body.messages as Array<Record<string, unknown>>;
}
