import type { z } from 'zod';
import type { ToolClass } from '../../common/agent-spec';
import { ErrorType, type ErrorTypeName } from '../../common/errors';

/** What a tool's code may use while it runs. */
export interface ToolContext {
  runId: string;
  callId: string;
  userId: string;
  /** `<runId>/<callId>`: stable across retries of the same approved call; pass it to anything that dedupes. */
  idempotencyKey: string;
  /** 1 on the first try; higher when Temporal retries after a failure or a lost worker. */
  attempt: number;
  /** True when an earlier attempt of this call started and did not record a result (it may have acted). */
  earlierAttemptStarted: boolean;
  /** The run's private directory; file tools are confined to it. */
  workspace: string;
  /** The agent spec's `config` for this tool (hosts, a connection), not yet validated: the tool parses it. */
  config?: Record<string, unknown>;
  signal: AbortSignal;
  heartbeat(details?: unknown): void;
}

/**
 * A tool implementation registered on the worker. The workflow sees only its definition (name, description, class,
 * JSON Schema), recorded in history at run start; the schema here validates again before `execute` runs.
 */
export interface ToolImplementation<Args = unknown> {
  name: string;
  description: string;
  class: ToolClass;
  schema: z.ZodType<Args>;
  execute(args: Args, context: ToolContext): Promise<string>;
  /**
   * For tools whose class depends on the call (GET vs DELETE): the class of these arguments, decided before policy
   * and approvals. Should fail safe: anything it cannot tell is `destructive`.
   */
  classify?(args: Args, config?: Record<string, unknown>): ToolClass | Promise<ToolClass>;
  /**
   * Arguments (dotted paths) that name a file in the workspace, resolved by the tool with resolveInWorkspace. Approval
   * conditions on them are matched against the path the tool will really touch.
   */
  pathArgs?: readonly string[];
  /** For tools that execute code the model wrote: whether this worker isolates it (platform policy may require it). */
  runsCode?: { sandboxed: boolean };
  /**
   * True when running a call twice has the effect of running it once: the tool overwrites rather than appends, or it
   * deduplicates on `idempotencyKey`. Only such tools are retried after an attempt that started and left no result;
   * for the others a write or destructive call then ends as ToolOutcomeUnknown instead of acting a second time.
   */
  idempotent?: boolean;
}

/** An expected failure the model should read and react to (file missing, path refused...). Not retried. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly type: ErrorTypeName = ErrorType.ToolError,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Keeps each tool's argument type attached to its execute function while erasing it in the registry. */
export function defineTool<Args>(tool: ToolImplementation<Args>): ToolImplementation {
  return tool as unknown as ToolImplementation;
}
