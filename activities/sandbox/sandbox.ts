import os from 'node:os';
import { ToolError } from '../../common/tools/define-tool';
import { bubblewrapInvocation, SANDBOX_TMP, SANDBOX_WORKSPACE } from './bwrap-args';
import { INTERPRETERS, LAUNCHER, rlimitArgs, sandboxEnvironment, type Language } from './command-line';
import { findExecutable } from '../../shared/executables';
import { findBubblewrap, hostSearchPath, SANDBOX_PATH } from './host-binaries';
import { runProcess, type ProcessPlan, type ProcessResult } from './process-runner';
import type { SandboxLimits, SandboxMode, SandboxSettings } from './settings';
import { assertReachable } from './workspace-access';
import { ErrorType } from '../../common/errors';

export interface CodeRequest {
  language: Language;
  code: string;
  /** Wall time for this call, already capped by the operator's limit. */
  seconds: number;
  /** The run's workspace on the host (a real path). */
  workspace: string;
  signal: AbortSignal;
}

export interface CodeResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** Limits that could not be applied (unsafe mode only). */
  unenforced: string[];
}

export interface Sandbox {
  readonly mode: SandboxMode;
  readonly limits: SandboxLimits;
  /** Shown to operators and approvers wherever the tool is described. */
  readonly warnings: string[];
  run(request: CodeRequest): Promise<CodeResult>;
}

export const UNSAFE_WARNING = 'run_code runs WITHOUT a sandbox (REINS_SANDBOX=unsafe-host)';

async function interpreterPath(language: Language, searchPath: string): Promise<string> {
  const { binary } = INTERPRETERS[language];
  const found = await findExecutable(binary, searchPath);
  if (!found) {
    throw new ToolError(
      `${language} is not available on this worker: no ${binary} in ${searchPath}`,
      ErrorType.InterpreterMissing,
    );
  }
  return found;
}

function toResult(result: ProcessResult, unenforced: string[]): CodeResult {
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.toString('utf8'),
    stdoutTruncated: result.stdoutTruncated,
    stderrTruncated: result.stderrTruncated,
    timedOut: result.timedOut,
    cancelled: result.cancelled,
    durationMs: result.durationMs,
    unenforced,
  };
}

async function runInBubblewrap(
  settings: SandboxSettings,
  request: CodeRequest,
  searchPath: string,
): Promise<CodeResult> {
  const bwrap = await findBubblewrap(searchPath);
  if (!bwrap) {
    throw new ToolError(
      `run_code needs bubblewrap, but the bwrap binary is not installed on this worker (searched ${searchPath}). ` +
        'Install it (e.g. apt-get install bubblewrap), or set REINS_SANDBOX=unsafe-host on the worker to run code ' +
        'without a sandbox (unsafe)',
      ErrorType.SandboxUnavailable,
    );
  }
  // The sandbox's /usr is the host's, so what exists here exists in there at the same path.
  const prlimit = await findExecutable('prlimit', SANDBOX_PATH);
  if (!prlimit) {
    throw new ToolError(
      `run_code cannot enforce its limits: prlimit (util-linux) is not installed in ${SANDBOX_PATH}`,
      ErrorType.SandboxUnavailable,
    );
  }
  const interpreter = await interpreterPath(request.language, SANDBOX_PATH);
  const user = settings.runAs ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  if (user.uid === 0) {
    throw new ToolError(
      'run_code refuses to run sandboxed code as root (process limits do not apply to root)',
      ErrorType.SandboxUnavailable,
    );
  }
  if (settings.runAs) await assertReachable(request.workspace, settings.runAs);

  const { args, files } = await bubblewrapInvocation({
    bwrap,
    workspace: request.workspace,
    uid: user.uid,
    gid: user.gid,
    limits: settings.limits,
    env: sandboxEnvironment(SANDBOX_TMP, SANDBOX_TMP),
    command: [
      ...LAUNCHER,
      prlimit,
      ...rlimitArgs(settings.limits, request.seconds),
      '--',
      interpreter,
      INTERPRETERS[request.language].inlineFlag,
      request.code,
    ],
  });
  const plan: ProcessPlan = {
    command: bwrap.path,
    args,
    env: {},
    // The worker's own directory may be closed to the sandbox account.
    cwd: '/',
    ...(settings.runAs ? { uid: settings.runAs.uid, gid: settings.runAs.gid } : {}),
    files,
    readyFd: 3,
  };
  const result = await runProcess(plan, budgetOf(settings, request));
  if (result.spawnError) {
    throw new ToolError(`the sandbox could not be started: ${result.spawnError.message}`, ErrorType.SandboxFailed);
  }
  if (!result.ready && !result.cancelled && !result.timedOut) {
    const reason = result.stderr.toString('utf8').trim() || `bwrap exited with ${result.exitCode ?? result.signal}`;
    throw new ToolError(
      `the sandbox could not be set up, so the code did not run: ${reason}. bubblewrap needs unprivileged user ` +
        'namespaces (kernel.unprivileged_userns_clone=1, or a container that allows them)',
      ErrorType.SandboxFailed,
    );
  }
  return toResult(result, []);
}

async function runOnHost(settings: SandboxSettings, request: CodeRequest): Promise<CodeResult> {
  const searchPath = hostSearchPath();
  const prlimit = await findExecutable('prlimit', searchPath);
  const interpreter = await interpreterPath(request.language, searchPath);
  const command = [interpreter, INTERPRETERS[request.language].inlineFlag, request.code];
  const unenforced = ['network access', 'filesystem confinement (the code sees the whole host as the worker user)'];
  if (!prlimit) unenforced.push('CPU time, memory, process and file-size limits (prlimit is not installed)');
  else if (process.getuid?.() === 0) unenforced.push('the process limit (it does not apply to root)');
  const full = prlimit ? [prlimit, ...rlimitArgs(settings.limits, request.seconds), '--', ...command] : command;
  const plan: ProcessPlan = {
    command: full[0]!,
    args: full.slice(1),
    env: sandboxEnvironment(request.workspace, os.tmpdir()),
    cwd: request.workspace,
  };
  const result = await runProcess(plan, budgetOf(settings, request));
  if (result.spawnError)
    throw new ToolError(`could not start ${plan.command}: ${result.spawnError.message}`, ErrorType.SandboxFailed);
  return toResult(result, unenforced);
}

function budgetOf(settings: SandboxSettings, request: CodeRequest) {
  return { timeoutMs: request.seconds * 1000, maxOutputBytes: settings.limits.maxOutputBytes, signal: request.signal };
}

/**
 * The sandbox a worker's run_code uses; in bubblewrap mode it fails closed when bubblewrap cannot be used.
 * `bwrapSearchPath` is where bwrap is looked for (the worker's PATH and the system directories by default).
 */
export function createSandbox(settings: SandboxSettings, options: { bwrapSearchPath?: string } = {}): Sandbox {
  return {
    mode: settings.mode,
    limits: settings.limits,
    warnings: settings.mode === 'unsafe-host' ? [UNSAFE_WARNING] : [],
    run: (request) =>
      settings.mode === 'bubblewrap'
        ? runInBubblewrap(settings, request, options.bwrapSearchPath ?? hostSearchPath())
        : runOnHost(settings, request),
  };
}

export { SANDBOX_WORKSPACE };
