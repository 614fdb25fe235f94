import { z } from 'zod';
import { formatCodeReport } from '../sandbox/code-report';
import { LANGUAGES } from '../sandbox/command-line';
import { createSandbox, type Sandbox } from '../sandbox/sandbox';
import { DEFAULT_SANDBOX_SETTINGS } from '../sandbox/settings';
import { defineTool, type ToolImplementation } from './tool';

/** Inline code travels as one argv entry, and Linux caps a single argument at 128 KiB. */
export const MAX_CODE_BYTES = 100 * 1024;

/** A tool plus what operators must know about it on this worker (surfaced in its definition). */
export type ToolWithWarnings = ToolImplementation & { warnings?: readonly string[] };

function describe(sandbox: Sandbox): string {
  const { limits } = sandbox;
  const isolation =
    sandbox.mode === 'bubblewrap'
      ? 'in an isolated sandbox with no network access. The workspace is the working directory (/workspace) and the ' +
        'only place whose changes persist between calls; /tmp is private to the call.'
      : 'directly on the worker host, WITHOUT a sandbox. The workspace is the working directory.';
  return (
    `Run a script or a shell command (language bash or sh) ${isolation} ` +
    `Limits per call: ${limits.defaultSeconds} s wall time unless timeoutSeconds says otherwise (at most ` +
    `${limits.maxSeconds} s), ${Math.round(limits.memoryBytes / 1048576)} MiB memory per process, ` +
    `${limits.maxProcesses} processes, ${limits.maxOutputBytes} bytes of output per stream. ` +
    'Returns the exit code, stdout and stderr.'
  );
}

/** run_code on the given sandbox; with the default settings it needs bubblewrap and fails closed without it. */
export function createRunCodeTool(sandbox: Sandbox = createSandbox(DEFAULT_SANDBOX_SETTINGS)): ToolWithWarnings {
  const { limits } = sandbox;
  const tool = defineTool({
    name: 'run_code',
    description: describe(sandbox),
    // Arbitrary code can change or delete anything in the workspace, so it needs approval unless a spec says not.
    class: 'destructive',
    runsCode: { sandboxed: sandbox.mode === 'bubblewrap' },
    schema: z.strictObject({
      language: z.enum(LANGUAGES).describe('bash, sh, python (python3) or node'),
      code: z
        .string()
        .min(1)
        .max(MAX_CODE_BYTES)
        .refine((code) => Buffer.byteLength(code) <= MAX_CODE_BYTES, `code is over ${MAX_CODE_BYTES} bytes`)
        .refine((code) => !code.includes('\0'), 'code contains a NUL byte')
        .describe('The script, or the shell command for bash/sh'),
      timeoutSeconds: z
        .number()
        .int()
        .positive()
        .optional()
        .describe(`Wall-time limit in seconds; default ${limits.defaultSeconds}, capped at ${limits.maxSeconds}`),
    }),
    async execute({ language, code, timeoutSeconds }, context) {
      const asked = timeoutSeconds ?? limits.defaultSeconds;
      const seconds = Math.min(asked, limits.maxSeconds);
      const notes = sandbox.warnings.map((warning) => `WARNING: ${warning}; the code ran directly on the worker host.`);
      if (asked > seconds)
        notes.push(`note: timeoutSeconds ${asked} was capped at the operator limit of ${seconds} s.`);
      if (context.earlierAttemptStarted) {
        notes.push('note: an earlier attempt of this call was interrupted; some of its changes may already be there.');
      }
      const result = await sandbox.run({
        language,
        code,
        seconds,
        workspace: context.workspace,
        signal: context.signal,
      });
      if (result.cancelled) throw context.signal.reason ?? new Error('run_code was cancelled');
      for (const limit of result.unenforced) notes.push(`not enforced: ${limit}`);
      return formatCodeReport(result, { seconds, maxOutputBytes: limits.maxOutputBytes, notes });
    },
  });
  return Object.assign(tool, { warnings: sandbox.warnings });
}
