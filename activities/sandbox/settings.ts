import { z } from 'zod';
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from '../../common/sandbox-limits';

export { DEFAULT_SANDBOX_LIMITS, type SandboxLimits };

/** `bubblewrap` isolates every run_code call; `unsafe-host` runs it as a plain child process of the worker. */
export const SandboxModeSchema = z.enum(['bubblewrap', 'unsafe-host']);
export type SandboxMode = z.infer<typeof SandboxModeSchema>;

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
