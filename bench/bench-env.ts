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
import { closePostgresStores } from '../shared/store/postgres/pg-store';
import { redactedStoreUrl, type StoreSettings } from '../shared/store/store-settings';
import { resolveTestPostgres } from '../scripts/private-postgres';
import { benchTool, benchWriteTool } from './bench-tool';
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
  /** A second reins worker on the PostgreSQL store, when a scenario asked for one (scenario 7). */
  postgres?: PostgresSide;
  close(): Promise<void>;
}

/** The reins worker on the PostgreSQL store: its own task queue, data dir and client, the same server and model. */
export interface PostgresSide {
  temporal: Client;
  reins: ReinsClient;
  settings: Extract<StoreSettings, { kind: 'postgres' }>;
  /** Where the server came from: REINS_TEST_PG_URL, a local server, or one the bench started. */
  source: string;
}

/** Every part the scenarios share: one Temporal server, one scripted model, a reins worker and a plain worker. */
export async function startBenchEnv(
  log: (line: string) => void,
  options: { postgres?: boolean } = {},
): Promise<BenchEnv> {
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
      extraTools: [benchTool(timeline), benchWriteTool()],
    });
    // Same bundle, same worker defaults: the two sides differ only in what reins does per step.
    const plainWorker = await Worker.create({
      connection: native,
      namespace: 'default',
      taskQueue: plainQueue,
      workflowBundle: bundle,
      activities: createPlainActivities(timeline),
    });
    const pg = options.postgres
      ? await startPostgresSide(
          log,
          { address: server.address, connection, native, bundle, timeline, model, suffix },
          cleanups,
        )
      : undefined;
    const running = Promise.all([reinsWorker.run(), plainWorker.run(), ...(pg ? [pg.worker.run()] : [])]);
    // A worker that dies mid-bench would leave scenarios waiting forever; say so at once.
    running.catch((error: unknown) => log(`a worker stopped: ${String(error)}`));
    cleanups.push(async () => {
      for (const worker of [reinsWorker, plainWorker, ...(pg ? [pg.worker] : [])])
        if (worker.getState() === 'RUNNING') worker.shutdown();
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
      ...(pg ? { postgres: pg.side } : {}),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * A PostgreSQL server (REINS_TEST_PG_URL, a local one at the conventional address, or a private one started now,
 * as the tests find theirs) and a reins worker whose store is a schema of its own there, dropped at exit.
 */
async function startPostgresSide(
  log: (line: string) => void,
  shared: {
    address: string;
    connection: Connection;
    native: NativeConnection;
    bundle: { code: string };
    timeline: Timeline;
    model: ScriptedModelServer;
    suffix: string;
  },
  cleanups: Array<() => Promise<unknown>>,
): Promise<{ side: PostgresSide; worker: Worker }> {
  const server = await resolveTestPostgres(log);
  cleanups.push(() => server.stop());
  const schema = `bench_${shared.suffix.replace(/[^a-z0-9]/g, '_')}`;
  const settings = { kind: 'postgres' as const, url: server.url, schema };
  cleanups.push(async () => {
    await closePostgresStores();
    // A server the bench did not start outlives it: leave nothing behind there.
    if (!server.dir) await dropSchema(server.url, schema);
  });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reins-bench-pg-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const taskQueue = `bench-reins-pg-${shared.suffix}`;
  const worker = await createReinsWorker({
    config: {
      temporalAddress: shared.address,
      namespace: 'default',
      taskQueue,
      model: { baseURL: shared.model.url, apiKey: 'bench', provider: 'scripted' },
      dataDir,
      store: settings,
    },
    connection: shared.native,
    workflowBundle: shared.bundle,
    extraTools: [benchTool(shared.timeline), benchWriteTool()],
  });
  const temporal = new Client({
    connection: shared.connection,
    namespace: 'default',
    dataConverter: reinsDataConverter({ store: settings }),
  });
  const source = server.dir ? 'started by the bench' : redactedStoreUrl(server.url);
  log(`PostgreSQL store: schema ${schema} (${source})`);
  return { side: { temporal, reins: new ReinsClient(temporal, { taskQueue }), settings, source }, worker };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const { Client: PgClient } = await import('pg');
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
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
