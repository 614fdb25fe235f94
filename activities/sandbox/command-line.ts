import type { LANGUAGES } from '../../common/builtin-tools';
import { SANDBOX_PATH } from './host-binaries';
import type { SandboxLimits } from './settings';

export type Language = (typeof LANGUAGES)[number];

/** The interpreter each language runs with, found through the sandbox's PATH, and how it takes inline code. */
export const INTERPRETERS: Record<Language, { binary: string; inlineFlag: string }> = {
  bash: { binary: 'bash', inlineFlag: '-c' },
  sh: { binary: 'sh', inlineFlag: '-c' },
  python: { binary: 'python3', inlineFlag: '-c' },
  node: { binary: 'node', inlineFlag: '-e' },
};

/**
 * prlimit flags for one call. CPU time gets a hard limit one second above the soft one so the process first sees
 * SIGXCPU (and can say so) before the kernel's SIGKILL.
 */
export function rlimitArgs(limits: SandboxLimits, seconds: number): string[] {
  return [
    `--cpu=${seconds}:${seconds + 1}`,
    `--as=${limits.memoryBytes}`,
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${limits.maxFileBytes}`,
    '--nofile=1024',
    '--core=0',
  ];
}

/** The environment sandboxed code gets instead of the worker's. */
export function sandboxEnvironment(home: string, tmp: string): Record<string, string> {
  return {
    PATH: SANDBOX_PATH,
    HOME: home,
    TMPDIR: tmp,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    USER: 'sandbox',
    LOGNAME: 'sandbox',
    // A killed process loses whatever it buffered; unbuffered output keeps what it printed before a timeout.
    PYTHONUNBUFFERED: '1',
  };
}

/**
 * The first command inside the sandbox: it reports on fd 3 that the sandbox is up (so bwrap's own setup errors can
 * be told apart from the code's), closes the descriptors the code has no business with, then becomes `argv`.
 */
export const LAUNCHER = ['/bin/sh', '-c', 'printf up >&3; exec 3>&- 4<&- 5<&- 6<&-; exec "$@"', 'reins-launch'];
