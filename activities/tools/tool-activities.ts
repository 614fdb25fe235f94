import { ApplicationFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import type { ToolClass } from '../../common/agent-spec';
import type { ToolCallInput, ToolDefinition, ToolOutcome } from '../../common/chat';
import { ErrorType } from '../../common/errors';
import { describeZodIssues } from '../../common/zod-issues';
import { TOOL_OUTPUT_LIMIT } from './output-limit';
import { WorkspaceSelectionSchema, type ReleaseOutcome, type WorkspaceStore } from '../sandbox/workspace-store';
import { WorkspaceUnavailableError } from '../sandbox/workspace-sync';
import { CallLedger, interruptedOutcome } from './call-ledger';
import { ToolError } from '../../common/tools/define-tool';
import { workspaceTarget } from './workspace';
import type { ToolRegistry } from './registry';
import type { Scrubber } from '../secrets/scrub';
import { checkToolConfigs, parseToolConfig } from './tool-config';
import { toolOutcomeOfResult } from './tool-result';

export interface ToolActivityDeps {
  registry: ToolRegistry;
  /** Run and agent workspaces, call ledgers and retention, all under the worker's data dir. */
  workspaces: WorkspaceStore;
  heartbeatIntervalMs?: number;
  /**
   * The worker's secrets, scrubbed from a tool's output before it is cut to size (structured results string by
   * string). Every activity result is scrubbed again on its way out; this pass is what a cut or JSON escaping needs.
   */
  scrubber?: () => Scrubber;
}

/** The spec's worker tools and their config, as the workflow sends them; from the workflow, so a bad one is a bug. */
const ToolConfigsSchema = z.array(z.object({ name: z.string(), config: z.unknown().optional() })).max(1_000);

/** The workflow id scopes a run's workspace; a standalone activity has none and uses its own id instead. */
function currentRunId(): string {
  const info = Context.current().info;
  return info.workflowExecution?.workflowId ?? info.activityId;
}

/** The workspace fields come from the workflow, not the model: a bad value is a bug, so it is not retried. */
function parseSelection(input: { workspace?: unknown; agent?: unknown }) {
  const parsed = WorkspaceSelectionSchema.safeParse({ workspace: input.workspace, agent: input.agent });
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid workspace selection: ${describeZodIssues(parsed.error)}`,
      ErrorType.ToolFailed,
    );
  }
  return parsed.data;
}

export function createToolActivities(deps: ToolActivityDeps) {
  const heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 5_000;

  return {
    /**
     * The class of one call of a tool whose class depends on its arguments. Recorded in history, so policy and replay
     * see the same answer; anything the tool cannot classify counts as destructive.
     */
    async classifyToolCall(input: {
      tool: string;
      args: unknown;
      config?: Record<string, unknown>;
    }): Promise<ToolClass> {
      const tool = deps.registry.get(input.tool);
      if (!tool?.classify) return tool?.class ?? 'destructive';
      const parsed = tool.schema.safeParse(input.args);
      if (!parsed.success) return tool.class;
      // A config its schema refuses was refused at start; one that slipped past (another worker's tool) fails safe.
      const config = await parseToolConfig(tool, input.config);
      if (!config.ok) return 'destructive';
      try {
        return await tool.classify(parsed.data, config.config);
      } catch {
        return 'destructive';
      }
    },

    /**
     * Where each workspace path of a call leads on this worker, through symlinks (null: the tools refuse it). Recorded
     * in history, so approval conditions on paths and their replay see the same answer.
     */
    async resolveToolPaths(input: { paths: string[]; workspace?: 'run' | 'agent'; agent?: string }) {
      const paths = z.array(z.string()).max(64).safeParse(input.paths);
      if (!paths.success) throw ApplicationFailure.nonRetryable('invalid paths to resolve', ErrorType.ToolFailed);
      let workspace: string;
      try {
        workspace = await deps.workspaces.open(currentRunId(), parseSelection(input));
      } catch (error) {
        // Files that cannot reach this worker resolve nowhere: the call's tool then refuses the path.
        if (error instanceof WorkspaceUnavailableError) return paths.data.map(() => null);
        throw error;
      }
      return Promise.all(paths.data.map((requested) => workspaceTarget(workspace, requested)));
    },

    /**
     * Run start: the definitions of the agent's tools, recorded in history so replay sees the same tools. A tool whose
     * `configSchema` refuses the spec's `config:` ends the run here, before the model is asked anything, as a
     * built-in tool's bad config is refused when the spec is parsed. `configs` is absent from older workflows: their
     * configs are checked at each call instead.
     */
    async describeTools(input: {
      names: string[];
      configs?: Array<{ name: string; config?: unknown }>;
    }): Promise<ToolDefinition[]> {
      const { definitions, unknown } = deps.registry.describe(input.names);
      if (unknown.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `unknown tools in the agent spec: ${unknown.join(', ')} (this worker has: ${deps.registry.names().join(', ')})`,
          ErrorType.ToolUnknown,
        );
      }
      if (input.configs !== undefined) {
        const configs = ToolConfigsSchema.safeParse(input.configs);
        if (!configs.success) {
          throw ApplicationFailure.nonRetryable(
            `invalid tool configs: ${describeZodIssues(configs.error)}`,
            ErrorType.ToolConfigInvalid,
          );
        }
        const tools = input.names.map((name) => deps.registry.get(name));
        const problems = await checkToolConfigs(tools, configs.data);
        if (problems.length > 0) {
          throw ApplicationFailure.nonRetryable(
            `invalid tool config in the agent spec: ${problems.join('; ')}`,
            ErrorType.ToolConfigInvalid,
          );
        }
      }
      return definitions;
    },

    /**
     * Runs one approved tool call. Expected failures come back as `ok: false` for the model; anything else throws
     * and Temporal retries. A call that already finished (a retry after a lost worker) returns its recorded outcome.
     */
    async runTool(input: ToolCallInput): Promise<ToolOutcome> {
      const context = Context.current();
      const runId = currentRunId();
      const selection = parseSelection(input);
      const ledger = new CallLedger(deps.workspaces.state.ledger, runId);
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
      // The run's definitions may come from another worker: this one checks its own sandbox before running code.
      if (input.requireSandbox && tool.runsCode && !tool.runsCode.sandboxed) {
        const message = `the platform policy requires a sandbox for code tools, and ${input.tool} runs unsandboxed on this worker`;
        return { ok: false, error: { type: ErrorType.ToolDenied, message } };
      }

      const config = await parseToolConfig(tool, input.config);
      if (!config.ok) return { ok: false, error: { type: ErrorType.ToolConfigInvalid, message: config.message } };

      const attempt = context.info.attempt;
      const unknown = interruptedOutcome(previous, input.toolClass ?? tool.class, input.idempotent ?? tool.idempotent);
      if (unknown) {
        await ledger.markDone(input.callId, attempt, unknown);
        return unknown;
      }
      let workspace: string;
      try {
        workspace = await deps.workspaces.open(runId, selection);
      } catch (error) {
        if (!(error instanceof WorkspaceUnavailableError)) throw error;
        return { ok: false, error: { type: ErrorType.WorkspaceUnavailable, message: error.message } };
      }
      // Only calls that may write send the workspace on; a read leaves the snapshot as it is.
      const writes = (input.toolClass ?? tool.class) !== 'read';
      // Marked as late as possible: a failure before this point has not touched anything, and is simply retried.
      await ledger.markStarted(input.callId, attempt);
      const beat = setInterval(
        () => context.heartbeat({ tool: input.tool, callId: input.callId }),
        heartbeatIntervalMs,
      );
      try {
        const result: unknown = await tool.execute(parsed.data, {
          runId,
          callId: input.callId,
          userId: input.userId,
          idempotencyKey: `${runId}/${input.callId}`,
          attempt,
          earlierAttemptStarted: previous?.status === 'started',
          workspace,
          config: config.config,
          signal: context.cancellationSignal,
          heartbeat: (details) => context.heartbeat(details),
        });
        // The model's context pays for every character; the tool itself may return what it likes.
        const outcome = toolOutcomeOfResult(input.tool, result, deps.scrubber?.(), TOOL_OUTPUT_LIMIT);
        // Stored before the call counts as done: a retry that finds it done can rely on the files being there too.
        if (writes) await deps.workspaces.written(runId, selection);
        await ledger.markDone(input.callId, attempt, outcome);
        return outcome;
      } catch (error) {
        // A cancelled call reports cancellation, not a failure to retry; the tool has already stopped its work.
        if (context.cancellationSignal.aborted) throw error;
        if (!(error instanceof ToolError)) {
          const message = error instanceof Error ? error.message : String(error);
          throw ApplicationFailure.retryable(`tool ${input.tool} failed: ${message}`, ErrorType.ToolFailed);
        }
        const outcome: ToolOutcome = { ok: false, error: { type: error.type, message: error.message } };
        if (writes) await deps.workspaces.written(runId, selection);
        await ledger.markDone(input.callId, attempt, outcome);
        return outcome;
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Run end: applies the worker's retention to the run's workspace (delete now, keep, or expire later). Agent
     * workspaces are always kept. Idempotent, so retries are harmless.
     */
    async releaseWorkspace(input: { workspace?: 'run' | 'agent'; agent?: string } = {}): Promise<ReleaseOutcome> {
      return deps.workspaces.release(currentRunId(), parseSelection(input));
    },
  };
}

export type ToolActivities = ReturnType<typeof createToolActivities>;
