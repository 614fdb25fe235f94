import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { ReinsClient } from '../client';
import { reinsDataConverter } from '../shared/payload-storage';
import { isServerReachable, startDevServer, type DevServer } from '../scripts/dev-server';
import { startScriptedModel, type ScriptedModelServer } from '../testing/scripted-model';
import { createReinsWorker } from '../worker/create-worker';
import { benchTool } from './bench-tool';
import { BenchModel } from './model-script';
import { createPlainActivities } from './plain-activities';
import { findDevServerPid } from './proc-memory';
import { Timeline } from './timeline';

export interface BenchEnv {
  address: string;
  /** True when the bench started its own in-memory dev server. */
  ownServer: boolean;
  serverPid?: number;
  temporal: Client;
  reins: ReinsClient;
  plainQueue: string;
  /** Where the worker claim-checks payloads too large for history. */
  payloadDir: string;
  model: ScriptedModelServer;
  benchModel: BenchModel;
  timeline: Timeline;
  close(): Promise<void>;
}

/** Every part the scenarios share: one Temporal server, one scripted model, a reins worker and a plain worker. */
export async function startBenchEnv(log: (line: string) => void): Promise<BenchEnv> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  };
  try {
    const [server, bundle] = await Promise.all([
      resolveServer(log),
      bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: new DefaultLogger('WARN') }),
    ]);
    if (server.dev) cleanups.push(() => server.dev!.stop());
    const port = Number(server.address.slice(server.address.lastIndexOf(':') + 1));
    const serverPid = await findDevServerPid(port);

    const timeline = new Timeline();
    const benchModel = new BenchModel(timeline);
    const model = await startScriptedModel({ script: benchModel.script, model: 'scripted-bench' });
    benchModel.requestLog = model.requests;
    cleanups.push(() => model.close());

    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reins-bench-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    // The SDK's default channel option lacks the `grpc.` prefix, so grpc-js keeps its 4 MB receive limit; a reins
    // history page grows past that around step 200 with 2 KB tool outputs, and scenario 4 reads such histories.
    const connection = await Connection.connect({
      address: server.address,
      channelArgs: { 'grpc.max_receive_message_length': 256 * 2 ** 20 },
    });
    cleanups.push(() => connection.close());
    // The worker claim-checks large payloads into <dataDir>/payloads; the client reads results through the same store.
    const temporal = new Client({
      connection,
      namespace: 'default',
      dataConverter: reinsDataConverter({ dir: path.join(dataDir, 'payloads') }),
    });
    const native = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => native.close());

    const suffix = `${process.pid}-${Date.now().toString(36)}`;
    const reinsQueue = `bench-reins-${suffix}`;
    const plainQueue = `bench-plain-${suffix}`;
    const reinsWorker = await createReinsWorker({
      config: {
        temporalAddress: server.address,
        namespace: 'default',
        taskQueue: reinsQueue,
        model: { baseURL: model.url, apiKey: 'bench', provider: 'scripted' },
        dataDir,
        payloadDir: path.join(dataDir, 'payloads'),
      },
      connection: native,
      workflowBundle: bundle,
      extraTools: [benchTool(timeline)],
    });
    // Same bundle, same worker defaults: the two sides differ only in what reins does per step.
    const plainWorker = await Worker.create({
      connection: native,
      namespace: 'default',
      taskQueue: plainQueue,
      workflowBundle: bundle,
      activities: createPlainActivities(timeline),
    });
    const running = Promise.all([reinsWorker.run(), plainWorker.run()]);
    // A worker that dies mid-bench would leave scenarios waiting forever; say so at once.
    running.catch((error: unknown) => log(`a worker stopped: ${String(error)}`));
    cleanups.push(async () => {
      for (const worker of [reinsWorker, plainWorker]) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    });

    return {
      address: server.address,
      ownServer: server.dev !== undefined,
      serverPid,
      temporal,
      reins: new ReinsClient(temporal, { taskQueue: reinsQueue }),
      plainQueue,
      payloadDir: path.join(dataDir, 'payloads'),
      model,
      benchModel,
      timeline,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function resolveServer(log: (line: string) => void): Promise<{ address: string; dev?: DevServer }> {
  const given = process.env.TEMPORAL_ADDRESS;
  if (given) {
    if (await isServerReachable(given)) {
      log(`using the Temporal server at ${given}`);
      return { address: given };
    }
    log(`TEMPORAL_ADDRESS=${given} does not answer; starting an in-memory dev server instead`);
  }
  const dev = await startDevServer({ ui: false, log });
  log(`in-memory Temporal dev server on ${dev.address}`);
  return { address: dev.address, dev };
}
