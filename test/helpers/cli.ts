import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { testAddress } from './temporal';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const REINS_BIN = path.join(REPO_ROOT, 'bin', 'reins');

/**
 * The CLI from its TypeScript sources through tsx, as bin/reins ran it before the package was compiled: tests see
 * the code as it is now, never a dist/ built before the last edit. test/integration/package-build.test.ts runs the
 * real bin/reins against a fresh build.
 */
const CLI_FROM_SOURCE = ['--require', require.resolve('tsx/cjs'), path.join(REPO_ROOT, 'cli', 'main.ts')];

export interface ProcessOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment a user's shell would give the process: the test server's address, and no model settings unless
 * a test adds them (so nothing here reaches a real provider).
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: testAddress() };
  for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'REINS_TASK_QUEUE', 'REINS_UI_URL', 'REINS_DATA_DIR']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** A long-lived child process whose output can be awaited line by line. */
export class ChildRun {
  stdout = '';
  stderr = '';
  readonly exited: Promise<ProcessOutcome>;
  private readonly child: ChildProcess;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    // stdin is not a terminal, as for any process started from a script or CI. Its own process group, so a signal
    // reaches it and its children together, as a terminal's Ctrl-C does, and nothing outlives a kill.
    this.child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      // The group is gone already.
    }
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  /** Resolves once the combined output matches; fails with the output so far if the process ends or time runs out. */
  async waitFor(pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => (ended = true)).catch(() => (ended = true));
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (ended || Date.now() > deadline) {
        throw new Error(`output never matched ${pattern}${ended ? ' (process ended)' : ''}:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Signals the process group, as a terminal's Ctrl-C does, and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGINT', timeoutMs = 30_000): Promise<ProcessOutcome> {
    this.signalGroup(signal);
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs `reins <args>` (from source) as a user would, against the test server, and collects its output. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<ProcessOutcome> {
  return collect(new ChildRun(process.execPath, [...CLI_FROM_SOURCE, ...args], childEnv(env)), timeoutMs);
}

/** Runs the real `node bin/reins <args>`, which runs the compiled CLI in dist/. */
export async function runBuiltCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 90_000,
): Promise<ProcessOutcome> {
  return collect(new ChildRun(process.execPath, [REINS_BIN, ...args], childEnv(env)), timeoutMs);
}

async function collect(run: ChildRun, timeoutMs: number): Promise<ProcessOutcome> {
  const timer = setTimeout(() => void run.stop('SIGKILL'), timeoutMs);
  try {
    return await run.exited;
  } finally {
    clearTimeout(timer);
  }
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildRun {
  return new ChildRun(process.execPath, [...CLI_FROM_SOURCE, ...args], childEnv(env));
}

/** `npx tsx <script> <args>` from the repository root, as `npm start` runs the demo. */
export function startTsx(script: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildRun {
  const tsxCli = require.resolve('tsx/cli');
  return new ChildRun(process.execPath, [tsxCli, script, ...args], childEnv(env));
}
