import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadAgentFile, ReinsClient } from '../client';
import type { RunResult } from '../common/run-state';
import { DEFAULT_TEMPORAL_ADDRESS, DEMO_TASK_QUEUE } from '../common/task-queues';
import { defaultUserId } from '../client/default-user';
import { loadWorkerConfig, type WorkerConfig } from '../worker/config';
import { createReinsWorker } from '../worker/create-worker';
import { superviseRun } from './demo/approvals';
import { DEMO_PROMPT } from './demo/demo-script';
import { prepareModel } from './demo/model';
import { formatReport } from './demo/report';
import { clearRecord, readRecord, recordPath, writeRecord } from './demo/run-record';
import { ensureTemporal } from './demo/temporal-server';
import { runWorkspace, seedWorkspace } from './demo/workspace';
import { REPO_ROOT } from './temporal-cli';

const USAGE = `usage: npm start [-- --yes] [-- --model <name>]

Runs the example agent agents/file-clerk.yaml as a durable Temporal workflow: starts a local Temporal dev server
if none answers at TEMPORAL_ADDRESS (default localhost:7233), runs a worker in this process, and asks you on the
terminal before the agent deletes a file. Without OPENAI_API_KEY it runs offline against a scripted model.

  -y, --yes         approve every request without asking
  --model <name>    model to ask instead of the agent file's (e.g. for another OpenAI-compatible provider)
  -h, --help        this text

Ctrl-C leaves the run in Temporal; \`npm start\` again finishes it.`;

const log = (line: string) => console.log(line);

const cleanups: Array<() => Promise<void>> = [];
const abort = new AbortController();
let interrupted = false;
let workerRunning = false;
let currentRunId: string | undefined;

async function finish(code: number): Promise<never> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  // The SDK runtime keeps handles open after shutdown; everything of ours is closed by now.
  process.exit(code);
}

function onInterrupt(): void {
  if (interrupted) return;
  interrupted = true;
  abort.abort();
  log('\nStopping...');
  // Once the worker runs, the SDK shuts it down on the same signal and main() finishes from there.
  if (!workerRunning) void finish(130);
}

async function isOpen(reins: ReinsClient, runId: string): Promise<boolean> {
  try {
    return (await reins.temporal.workflow.getHandle(runId).describe()).status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** The run recorded by an earlier, interrupted demo if it is still open; otherwise a new run on seeded files. */
async function resumeOrStart(reins: ReinsClient, config: WorkerConfig, offline: boolean, model?: string) {
  const record = await readRecord(config.dataDir);
  if (record && (await isOpen(reins, record.runId))) {
    log(`Resuming run ${record.runId} (recorded in ${path.relative(process.cwd(), recordPath(config.dataDir))}).`);
    return record.runId;
  }
  const spec = await loadAgentFile(path.join(REPO_ROOT, 'agents', 'file-clerk.yaml'));
  if (model) spec.model.name = model;
  const runId = `${spec.name}-${randomUUID().slice(0, 8)}`;
  const workspace = await seedWorkspace(config.dataDir, runId);
  log(`Put notes.txt and scratch.tmp in the run's workspace ${path.relative(process.cwd(), workspace)}`);
  // Recorded before the start, so an interruption in between cannot orphan a run; a record of no run is ignored.
  await writeRecord(config.dataDir, { runId, startedAt: new Date().toISOString(), offline });
  const userId = defaultUserId();
  await reins.startRun({ spec, prompt: DEMO_PROMPT, userId }, { runId });
  log(`Started run ${runId} of ${spec.name} (model ${spec.model.name}) for ${userId}:\n  "${DEMO_PROMPT}"`);
  return runId;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      yes: { type: 'boolean', short: 'y', default: false },
      model: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    log(USAGE);
    return 0;
  }
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  // The worker's INFO lines (bundler stats, state changes) would bury the conversation with the person.
  Runtime.install({ logger: new DefaultLogger('WARN') });

  const address = process.env.TEMPORAL_ADDRESS || DEFAULT_TEMPORAL_ADDRESS;
  const temporal = await ensureTemporal(address, process.env, log);
  cleanups.push(() => temporal.stop());
  const model = await prepareModel(process.env);
  cleanups.push(() => model.close());
  log(
    model.offline
      ? 'Running OFFLINE with the scripted model (no OPENAI_API_KEY): real workflow, activities and tools, canned replies.'
      : `Using ${model.description}.`,
  );
  // A task queue of its own: a `reins worker` already running here (perhaps with a real model) must not serve the
  // demo's model calls, and the demo's worker must not pick up anyone else's runs.
  const taskQueue = process.env.REINS_DEMO_TASK_QUEUE || DEMO_TASK_QUEUE;
  const config = loadWorkerConfig({
    ...process.env,
    ...model.env,
    TEMPORAL_ADDRESS: temporal.address,
    REINS_TASK_QUEUE: taskQueue,
  });
  const reins = await ReinsClient.connect({
    address: temporal.address,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
  });
  cleanups.push(() => reins.close());
  const connection = await NativeConnection.connect({ address: temporal.address });
  cleanups.push(() => connection.close());

  log(`Starting a worker on task queue "${config.taskQueue}" (bundling the workflow code takes a few seconds)...`);
  const worker = await createReinsWorker({ config, connection });
  if (interrupted) return 130;
  workerRunning = true;
  const cli = `npx reins${temporal.address === DEFAULT_TEMPORAL_ADDRESS ? '' : ` --address ${temporal.address}`}`;
  let result: RunResult;
  try {
    result = await worker.runUntil(async () => {
      const runId = await resumeOrStart(reins, config, model.offline, values.model);
      currentRunId = runId;
      log(`Follow it in the Temporal UI: ${reins.webUiUrl(runId, temporal.uiUrl)}`);
      log('Ctrl-C stops the demo but not the run: it waits in Temporal until `npm start` runs again.');
      const ended = await superviseRun(reins, runId, {
        yes: values.yes,
        interactive: process.stdin.isTTY === true,
        decider: defaultUserId(),
        cli,
        log,
        signal: abort.signal,
      });
      await clearRecord(config.dataDir);
      return ended;
    });
  } catch (error) {
    if (!interrupted) throw error;
    log(
      currentRunId
        ? `Run ${currentRunId} is durable: Temporal keeps it, and ${path.relative(process.cwd(), recordPath(config.dataDir))} ` +
            `remembers it. Run \`npm start\` again to finish it (or \`npx reins worker --task-queue ${config.taskQueue}\` ` +
            'with a model configured).'
        : 'Stopped before a run started.',
    );
    return 130;
  }
  log(
    formatReport(result, {
      uiUrl: reins.webUiUrl(result.runId, temporal.uiUrl),
      workspace: runWorkspace(config.dataDir, result.runId),
    }),
  );
  return result.status === 'completed' ? 0 : 1;
}

main().then(finish, async (error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  await finish(1);
});
