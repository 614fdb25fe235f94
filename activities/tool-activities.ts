import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ToolCallInput, ToolDefinition, ToolOutcome } from '../common/chat';
import { ErrorType } from '../common/errors';
import { describeZodIssues } from '../common/zod-issues';
import { CallLedger } from './tools/call-ledger';
import { ToolError } from './tools/tool';
import type { ToolRegistry } from './tools/registry';
import { ensureDirectory, runDirectoryName } from './tools/workspace';

export interface ToolActivityDeps {
  registry: ToolRegistry;
  /** Root for per-run workspaces (`workspaces/`) and call ledgers (`ledger/`). */
  dataDir: string;
  heartbeatIntervalMs?: number;
}

export function createToolActivities(deps: ToolActivityDeps) {
  const heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 5_000;

  return {
    /** Run start: the definitions of the agent's tools, recorded in history so replay sees the same tools. */
    async describeTools(input: { names: string[] }): Promise<ToolDefinition[]> {
      const { definitions, unknown } = deps.registry.describe(input.names);
      if (unknown.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `unknown tools in the agent spec: ${unknown.join(', ')} (this worker has: ${deps.registry.names().join(', ')})`,
          ErrorType.ToolUnknown,
        );
      }
      return definitions;
    },

    /**
     * Runs one approved tool call. Expected failures come back as `ok: false` for the model; anything else throws
     * and Temporal retries. A call that already finished (a retry after a lost worker) returns its recorded outcome.
     */
    async runTool(input: ToolCallInput): Promise<ToolOutcome> {
      const context = Context.current();
      // Standalone activities have no workflow; their own id then scopes the workspace.
      const runId = context.info.workflowExecution?.workflowId ?? context.info.activityId;
      const runDir = runDirectoryName(runId);
      const ledger = new CallLedger(path.join(deps.dataDir, 'ledger', runDir));
      const previous = await ledger.read(input.callId);
      if (previous?.status === 'done') return previous.outcome;

      const tool = deps.registry.get(input.tool);
      if (!tool) {
        return { ok: false, error: { type: ErrorType.ToolUnknown, message: `unknown tool "${input.tool}"` } };
      }
      const parsed = tool.schema.safeParse(input.args);
      if (!parsed.success) {
        return { ok: false, error: { type: ErrorType.ToolArgsInvalid, message: describeZodIssues(parsed.error) } };
      }

      const attempt = context.info.attempt;
      await ledger.markStarted(input.callId, attempt);
      const workspace = await ensureDirectory(path.join(deps.dataDir, 'workspaces', runDir));
      const beat = setInterval(
        () => context.heartbeat({ tool: input.tool, callId: input.callId }),
        heartbeatIntervalMs,
      );
      try {
        const output = await tool.execute(parsed.data, {
          runId,
          callId: input.callId,
          userId: input.userId,
          idempotencyKey: `${runId}/${input.callId}`,
          attempt,
          earlierAttemptStarted: previous?.status === 'started',
          workspace,
          signal: context.cancellationSignal,
          heartbeat: (details) => context.heartbeat(details),
        });
        const outcome: ToolOutcome = { ok: true, output };
        await ledger.markDone(input.callId, attempt, outcome);
        return outcome;
      } catch (error) {
        if (!(error instanceof ToolError)) {
          const message = error instanceof Error ? error.message : String(error);
          throw ApplicationFailure.retryable(`tool ${input.tool} failed: ${message}`, ErrorType.ToolFailed);
        }
        const outcome: ToolOutcome = { ok: false, error: { type: error.type, message: error.message } };
        await ledger.markDone(input.callId, attempt, outcome);
        return outcome;
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type ToolActivities = ReturnType<typeof createToolActivities>;
