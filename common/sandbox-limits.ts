/** What a worker's sandbox allows one run_code call; the tool's description tells the model. */
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
