import { spawn, type StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface ProcessPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Host account to run as (the worker must be root to switch). */
  uid?: number;
  gid?: number;
  /** Extra descriptors the child inherits as pipes, with the text written into each before it is closed. */
  files?: ReadonlyMap<number, string>;
  /** A descriptor on which the child writes once it is past setup; undefined when there is no setup to fail. */
  readyFd?: number;
}

export interface ProcessBudget {
  timeoutMs: number;
  /** Per stream; reaching it kills the process tree. */
  maxOutputBytes: number;
  signal: AbortSignal;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  timedOut: boolean;
  cancelled: boolean;
  /** False when the child never reported readiness on `readyFd`: its setup failed before the code ran. */
  ready: boolean;
  durationMs: number;
  /** Spawning itself failed (binary missing, bad uid...). */
  spawnError?: Error;
}

class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  /** Keeps what fits; returns false once the limit is reached. */
  push(chunk: Buffer): boolean {
    const room = this.limit - this.size;
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.size = this.limit;
      this.truncated = true;
      return false;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }

  value(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** SIGKILL to the child's whole process group. It may be gone already, which is what we want anyway. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left. Anything else cannot be helped here and must not crash the worker.
  }
}

/**
 * Runs one process in a group of its own and waits for it, enforcing a wall-time limit, an output cap and
 * cancellation by killing the whole group. Never throws for anything the child does.
 */
export function runProcess(plan: ProcessPlan, budget: ProcessBudget): Promise<ProcessResult> {
  const started = Date.now();
  const highestFd = Math.max(2, plan.readyFd ?? 0, ...(plan.files?.keys() ?? []));
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe'];
  for (let fd = 3; fd <= highestFd; fd++) stdio.push(fd === plan.readyFd || plan.files?.has(fd) ? 'pipe' : 'ignore');

  return new Promise<ProcessResult>((resolve) => {
    const stdout = new CappedBuffer(budget.maxOutputBytes);
    const stderr = new CappedBuffer(budget.maxOutputBytes);
    let timedOut = false;
    let cancelled = false;
    let ready = plan.readyFd === undefined;
    let spawnError: Error | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

    const child = spawn(plan.command, plan.args, {
      cwd: plan.cwd,
      env: plan.env,
      stdio,
      // A new process group: one kill reaches everything the child started (bwrap, or the code in unsafe mode).
      detached: true,
      ...(plan.uid !== undefined ? { uid: plan.uid } : {}),
      ...(plan.gid !== undefined ? { gid: plan.gid } : {}),
    });
    const kill = () => killGroup(child.pid);

    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, budget.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    if (budget.signal.aborted) onAbort();
    else budget.signal.addEventListener('abort', onAbort, { once: true });

    for (const [fd, text] of plan.files ?? []) {
      const pipe = child.stdio[fd] as Writable | null;
      // The child may die before reading (a failed setup); that is reported through its exit, not here.
      pipe?.on('error', () => undefined);
      pipe?.end(text);
    }
    if (plan.readyFd !== undefined) {
      const pipe = child.stdio[plan.readyFd] as Readable | null;
      pipe?.on('error', () => undefined);
      pipe?.on('data', () => {
        ready = true;
      });
    }
    const collect = (stream: Readable | null, into: CappedBuffer) => {
      stream?.on('data', (chunk: Buffer) => {
        if (!into.push(chunk)) {
          kill();
          stream.destroy();
        }
      });
      stream?.on('error', () => undefined);
    };
    collect(child.stdout, stdout);
    collect(child.stderr, stderr);

    let settled = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      budget.signal.removeEventListener('abort', onAbort);
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: stdout.value(),
        stderr: stderr.value(),
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
        timedOut,
        cancelled,
        ready,
        durationMs: Date.now() - started,
        ...(spawnError ? { spawnError } : {}),
      });
    };

    child.on('error', (error) => {
      spawnError = error;
      if (child.pid === undefined) finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Leftovers in the group (background jobs in unsafe mode) must not outlive the call.
      kill();
      // Output still in flight arrives before 'close'; a descriptor held open elsewhere must not hang the call.
      drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, 2_000);
    });
    child.on('close', finish);
  });
}
