import { spawn, type ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { REPO_ROOT } from './cli';

const { TaskQueueKind, TaskQueueType } = temporal.api.enums.v1;

/**
 * A reins worker in a child process of its own, as on another machine: the environment it gets is all it knows. The
 * test process's own settings that would leak a shared disk (data dir, payload dir, store) are removed first.
 */
export class WorkerProcess {
  output = '';
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;

  constructor(entry: string, env: NodeJS.ProcessEnv) {
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['REINS_DATA_DIR', 'REINS_PAYLOAD_DIR', 'REINS_STORE', 'REINS_STORE_SCHEMA', 'REINS_TASK_QUEUE'])
      delete base[name];
    this.child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), entry], {
      cwd: REPO_ROOT,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      // Enough to explain a failure; a chatty worker must not grow the test's memory without bound.
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) =>
      this.child.exitCode !== null || this.child.signalCode !== null
        ? resolve()
        : this.child.once('exit', () => resolve()),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get signalCode(): NodeJS.Signals | null {
    return this.child.signalCode;
  }

  /** The identity the SDK gives a worker by default (`pid@host`), as task-queue pollers and history name it. */
  get identityPrefix(): string {
    return `${this.pid}@`;
  }

  /** A real SIGKILL: no shutdown, no heartbeat, nothing flushed. */
  async kill(): Promise<void> {
    process.kill(this.pid, 'SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.alive && this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

async function pollerIdentities(client: Client, taskQueue: string, type: number): Promise<string[]> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: type,
  });
  return (pollers ?? []).map((poller) => poller.identity ?? '');
}

/** Resolves once the worker polls the queue for both workflow and activity tasks; fails early if it exits. */
export async function waitUntilPolling(
  client: Client,
  taskQueue: string,
  worker: WorkerProcess,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!worker.alive) throw new Error(`worker ${worker.pid} exited before it polled:\n${worker.output}`);
    const [workflows, activities] = await Promise.all([
      pollerIdentities(client, taskQueue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
      pollerIdentities(client, taskQueue, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
    ]);
    const polls = (identities: string[]) => identities.some((id) => id.startsWith(worker.identityPrefix));
    if (polls(workflows) && polls(activities)) return;
    if (Date.now() > deadline) {
      throw new Error(`worker ${worker.pid} did not poll ${taskQueue} within ${timeoutMs} ms:\n${worker.output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
