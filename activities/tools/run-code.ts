import { MAX_CODE_BYTES, runCodeSpec } from '../../common/builtin-tools';
import { formatCodeReport } from '../sandbox/code-report';
import { createSandbox, type Sandbox } from '../sandbox/sandbox';
import { DEFAULT_SANDBOX_SETTINGS } from '../sandbox/settings';
import { defineTool, type ToolImplementation } from '../../common/tools/define-tool';

export { MAX_CODE_BYTES };

/** A tool plus what operators must know about it on this worker (surfaced in its definition). */
export type ToolWithWarnings = ToolImplementation & { warnings?: readonly string[] };

/** run_code on the given sandbox; with the default settings it needs bubblewrap and fails closed without it. */
export function createRunCodeTool(sandbox: Sandbox = createSandbox(DEFAULT_SANDBOX_SETTINGS)): ToolWithWarnings {
  const { limits } = sandbox;
  const tool = defineTool({
    ...runCodeSpec(sandbox.mode, limits),
    runsCode: { sandboxed: sandbox.mode === 'bubblewrap' },
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
