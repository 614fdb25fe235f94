import { z } from 'zod';

/** `bubblewrap` isolates every run_code call; `unsafe-host` runs it as a plain child process of the worker. */
export const SandboxModeSchema = z.enum(['bubblewrap', 'unsafe-host']);
export type SandboxMode = z.infer<typeof SandboxModeSchema>;

export interface SandboxLimits {
  /** Operator cap on one call's wall time; a call may ask for less, never more. */
  maxSeconds: number;
  /** Wall time when the call does not say. */
  defaultSeconds: number;
  /** RLIMIT_AS of every process in the sandbox. */
  memoryBytes: number;
  /** RLIMIT_NPROC: processes and threads together. */
  maxProcesses: number;
  /** Per stream (stdout, stderr): past this the process tree is killed and the output marked truncated. */
  maxOutputBytes: number;
  /** RLIMIT_FSIZE: the largest file a sandboxed process may write. */
  maxFileBytes: number;
  /** Size of the sandbox's private /tmp (memory-backed). */
  tmpBytes: number;
}

/** An unprivileged account on the host; only used when the worker itself runs as root. */
export interface SandboxUser {
  uid: number;
  gid: number;
}

export interface SandboxSettings {
  mode: SandboxMode;
  limits: SandboxLimits;
  /**
   * Who the sandbox runs as on the host. RLIMIT_NPROC is not enforced for root, so a root worker hands the sandbox to
   * this account; a non-root worker runs it as itself and this stays undefined.
   */
  runAs?: SandboxUser;
}

const MiB = 1024 * 1024;

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  maxSeconds: 120,
  defaultSeconds: 30,
  // Node reserves well over 512 MiB of address space at start; 1 GiB leaves room for real work.
  memoryBytes: 1024 * MiB,
  maxProcesses: 64,
  maxOutputBytes: 32 * 1024,
  maxFileBytes: 64 * MiB,
  tmpBytes: 64 * MiB,
};

/**
 * The tool activity's start-to-close timeout is 5 minutes; the sandbox must give up before Temporal does, or a
 * timed-out call would be retried instead of reported.
 */
export const MAX_SANDBOX_SECONDS = 270;

/** `nobody` on Debian and most distributions. */
export const DEFAULT_SANDBOX_USER: SandboxUser = { uid: 65534, gid: 65534 };

export function defaultSandboxUser(): SandboxUser | undefined {
  return process.getuid?.() === 0 ? DEFAULT_SANDBOX_USER : undefined;
}

export function sandboxSettings(
  overrides: { mode?: SandboxMode; limits?: Partial<SandboxLimits> } = {},
): SandboxSettings {
  const limits = { ...DEFAULT_SANDBOX_LIMITS, ...overrides.limits };
  if (limits.maxSeconds > MAX_SANDBOX_SECONDS) {
    throw new Error(
      `sandbox maxSeconds ${limits.maxSeconds} is over the ${MAX_SANDBOX_SECONDS} s the tool activity allows`,
    );
  }
  limits.defaultSeconds = Math.min(limits.defaultSeconds, limits.maxSeconds);
  const mode = overrides.mode ?? 'bubblewrap';
  return { mode, limits, runAs: mode === 'bubblewrap' ? defaultSandboxUser() : undefined };
}

export const DEFAULT_SANDBOX_SETTINGS: SandboxSettings = sandboxSettings();
