import { ApplicationFailure, Context, type Info } from '@temporalio/activity';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ToolDefinition, ToolOutcome } from '../../common/chat';
import { ErrorType } from '../../common/errors';
import { McpServerSpecSchema, type McpServerSpec } from '../../common/mcp-server';
import { ToolClassSchema, type ToolClass } from '../../common/tool-class';
import { describeZodIssues } from '../../common/zod-issues';
import { MCP_OUTPUT_LIMIT } from '../tools/output-limit';
import type { SecretResolver } from '../secrets/secret-resolver';
import { McpPool, type McpConnection } from './pool';
import { CallLedger, interruptedOutcome } from '../tools/call-ledger';
import type { LedgerRecords } from '../store/run-state-store';
import { toolOutcomeOf } from './results';
import { ListPageSchema, parseListedTool, schemaProblem, toToolDefinitions, type ListedTool } from './tool-definitions';

export interface ListMcpToolsInput {
  server: McpServerSpec;
  /** Whose credentials to use when the server's secrets are per user. */
  userId?: string;
}

export interface CallMcpToolInput {
  server: McpServerSpec;
  /** The tool's name on the server (not the model-facing `server__tool`). */
  tool: string;
  args: unknown;
  /** Stable per call within a run; sent to the server as an idempotency key in `_meta`. */
  callId: string;
  userId?: string;
  step?: number;
  /** The class policy applied to the call; reads are always safe to repeat. */
  toolClass?: ToolClass;
  /** The agent spec vouches that repeating this call repeats no effect (MCP annotations are only hints). */
  idempotent?: boolean;
}

const ListInputSchema = z.object({ server: McpServerSpecSchema, userId: z.string().optional() });
const CallInputSchema = ListInputSchema.extend({
  tool: z.string().min(1),
  args: z.unknown(),
  callId: z.string().min(1),
  step: z.number().int().nonnegative().optional(),
  toolClass: ToolClassSchema.optional(),
  idempotent: z.boolean().optional(),
});

export interface McpActivityDeps {
  secrets: SecretResolver;
  /** The worker's connections; one is made when not given (close it with `closeAllMcpPools`). */
  pool?: McpPool;
  heartbeatIntervalMs?: number;
  /** Caps one request below the activity's own start-to-close timeout. */
  requestTimeoutMs?: number;
  /** Characters of a tool result the model gets; MCP_OUTPUT_LIMIT by default. */
  outputLimit?: number;
  /**
   * Where a run's call ledger lives (beside its workspace). With it, a write or destructive call that is not vouched
   * idempotent is not sent again after an attempt that was interrupted once it had been handed to the server.
   */
  ledger?: LedgerRecords;
}

/** The key `_meta` carries so a server that deduplicates can tell a Temporal retry from a new call. */
export const IDEMPOTENCY_META_KEY = 'reins/idempotency-key';
const MAX_PAGES = 100;

/** Activity input comes from the workflow, never from the model: a malformed one is a bug, not worth a retry. */
function parseInput<T>(schema: z.ZodType<T>, input: unknown, activity: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.nonRetryable(
    `invalid ${activity} input: ${describeZodIssues(parsed.error)}`,
    ErrorType.McpInputInvalid,
  );
}

/** Leaves a second for the failure to be reported before Temporal's own start-to-close timeout fires. */
function requestTimeout(info: Info, cap: number | undefined): number {
  const remaining = info.startToCloseTimeoutMs - (Date.now() - info.currentAttemptScheduledTimestampMs) - 1_000;
  return Math.max(1_000, Math.min(cap ?? Number.POSITIVE_INFINITY, remaining));
}

async function listAllTools(
  connection: McpConnection,
  options: { signal: AbortSignal; timeout: number },
): Promise<Array<{ raw: unknown; tool: ListedTool }>> {
  const tools: Array<{ raw: unknown; tool: ListedTool }> = [];
  const cursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    // A raw request with a loose schema: the SDK's own parse would rebuild each inputSchema, reordering its keys.
    const result = await connection.client.request(
      { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
      ListPageSchema,
      options,
    );
    for (const raw of result.tools) {
      const parsed = parseListedTool(raw, tools.length);
      if (!parsed.ok) throw ApplicationFailure.nonRetryable(parsed.message, ErrorType.McpProtocolError);
      tools.push({ raw, tool: parsed.tool });
    }
    cursor = result.nextCursor;
    if (cursor === undefined) return tools;
    if (cursors.has(cursor))
      throw ApplicationFailure.nonRetryable(`cursor "${cursor}" repeats`, ErrorType.McpProtocolError);
    cursors.add(cursor);
  }
  throw ApplicationFailure.nonRetryable(`more than ${MAX_PAGES} pages of tools`, ErrorType.McpProtocolError);
}

/** Activities that reach the agent's MCP servers through the worker's connection pool. */
export function createMcpActivities(deps: McpActivityDeps) {
  const pool = deps.pool ?? new McpPool({ secrets: deps.secrets });
  const heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 5_000;
  const outputLimit = deps.outputLimit ?? MCP_OUTPUT_LIMIT;

  /** Heartbeats while `body` waits on the server, so a lost worker is noticed long before the timeout. */
  async function withHeartbeat<T>(details: Record<string, unknown>, body: () => Promise<T>): Promise<T> {
    const context = Context.current();
    const beat = setInterval(() => context.heartbeat(details), heartbeatIntervalMs);
    try {
      return await body();
    } catch (error) {
      // Cancelled: report that, not a failure to retry.
      if (context.cancellationSignal.aborted) throw error;
      throw error instanceof ApplicationFailure
        ? error
        : ApplicationFailure.retryable(String(error), ErrorType.McpTransportError);
    } finally {
      clearInterval(beat);
    }
  }

  return {
    /**
     * Run start: the definitions of a server's tools (every page), recorded in history so replays and later steps
     * see the same tools with the schemas exactly as the server declared them.
     */
    async listMcpTools(rawInput: ListMcpToolsInput): Promise<ToolDefinition[]> {
      const input = parseInput(ListInputSchema, rawInput, 'listMcpTools');
      const context = Context.current();
      const options = {
        signal: context.cancellationSignal,
        timeout: requestTimeout(context.info, deps.requestTimeoutMs),
      };
      const tools = await withHeartbeat({ server: input.server.name, operation: 'tools/list' }, () =>
        // Listing changes nothing on the server, so it is always safe to repeat on a fresh connection.
        pool.use(input.server, input.userId, 'tools/list', 'always', (connection) => listAllTools(connection, options)),
      );
      const usable = tools.filter(({ tool }) => {
        const problem = schemaProblem(tool.inputSchema);
        if (problem) {
          context.log.warn(
            `MCP tool "${tool.name}" of server "${input.server.name}" is left out: its input schema cannot be checked (${problem})`,
          );
        }
        return problem === undefined;
      });
      return toToolDefinitions(input.server.name, usable);
    },

    /**
     * One approved call of an MCP tool. A tool error (`isError`) comes back as `ok: false` for the model; transport
     * failures throw retryable McpTransportError, JSON-RPC errors non-retryable McpProtocolError.
     */
    async callMcpTool(rawInput: CallMcpToolInput): Promise<ToolOutcome> {
      const input = parseInput(CallInputSchema, rawInput, 'callMcpTool');
      if (typeof input.args !== 'object' || input.args === null || Array.isArray(input.args)) {
        return { ok: false, error: { type: ErrorType.ToolArgsInvalid, message: 'arguments must be a JSON object' } };
      }
      const args = input.args as Record<string, unknown>;
      const context = Context.current();
      const runId = context.info.workflowExecution?.workflowId ?? context.info.activityId;
      const details = { server: input.server.name, tool: input.tool, callId: input.callId, step: input.step };
      const options = {
        signal: context.cancellationSignal,
        timeout: requestTimeout(context.info, deps.requestTimeoutMs),
        // Progress from the server is proof of life: pass it on as a heartbeat.
        onprogress: (progress: { progress: number; total?: number }) => context.heartbeat({ ...details, ...progress }),
      };
      // The server's idempotentHint is a hint: only the spec's word lets an interrupted write be sent again.
      const guarded = deps.ledger && input.toolClass !== 'read' && input.idempotent !== true;
      const ledger = guarded ? new CallLedger(deps.ledger!, runId) : undefined;
      const previous = await ledger?.read(input.callId);
      if (previous?.status === 'done') return previous.outcome;
      const unknown = interruptedOutcome(previous, input.toolClass ?? 'write', input.idempotent);
      if (ledger && unknown) {
        await ledger.markDone(input.callId, context.info.attempt, unknown);
        return unknown;
      }
      const outcome = await withHeartbeat(details, () =>
        // A call is repeated on a fresh connection only if the old one failed before sending it.
        pool.use(input.server, input.userId, `tools/call "${input.tool}"`, 'if-unsent', async (connection) => {
          // From here the request may reach the server: a server that could not be reached is simply retried.
          await ledger?.markStarted(input.callId, context.info.attempt);
          const result = await connection.client.callTool(
            { name: input.tool, arguments: args, _meta: { [IDEMPOTENCY_META_KEY]: `${runId}/${input.callId}` } },
            undefined,
            options,
          );
          return toolOutcomeOf(result as CallToolResult, outputLimit, connection.scrub);
        }),
      );
      await ledger?.markDone(input.callId, context.info.attempt, outcome);
      return outcome;
    },
  };
}

export type McpActivities = ReturnType<typeof createMcpActivities>;
