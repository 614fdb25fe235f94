import type { z } from 'zod';
import { TOOL_NAME_PATTERN } from '../agent-spec';
import type { ToolClass } from '../tool-class';
import { ErrorType, type ErrorTypeName } from '../errors';

/**
 * The contract of a tool's code, kept free of activity code so that a client (or a package of tools) can define tools
 * without loading the worker: types and one function, nothing that runs I/O.
 */

/** The spec's `config` for a tool without a `configSchema`: the JSON object as written, not yet validated. */
export type RawToolConfig = Record<string, unknown> | undefined;

/** What JSON can carry: the structured results a tool may return. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Text for the model as it is, or structured data the worker sends as JSON text. */
export type ToolResult = JsonValue;

/** What a tool's code may use while it runs. */
export interface ToolContext<Config = RawToolConfig> {
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
  /**
   * The agent spec's `config` for this tool: parsed by the tool's `configSchema` when it has one (checked at run
   * start), otherwise the object as written (or undefined), for the tool to parse.
   */
  config: Config;
  signal: AbortSignal;
  heartbeat(details?: unknown): void;
}

/**
 * A tool implementation registered on the worker. The workflow sees only its definition (name, description, class,
 * JSON Schema), recorded in history at run start; the schema here validates again before `execute` runs.
 */
export interface ToolImplementation<Args = unknown, Config = unknown> {
  /** 1-64 letters, digits, `_` or `-`: what the agent spec and the model call it. */
  name: string;
  description: string;
  class: ToolClass;
  schema: z.ZodType<Args>;
  /** Validates the spec's `config:` for this tool at run start; `context.config` is then its output. */
  configSchema?: z.ZodType<Config>;
  /** Text, or JSON-compatible data (sent to the model as JSON); secrets are scrubbed and the size capped either way. */
  execute(args: Args, context: ToolContext<Config>): Promise<ToolResult> | ToolResult;
  /**
   * For tools whose class depends on the call (GET vs DELETE): the class of these arguments, decided before policy
   * and approvals. Should fail safe: anything it cannot tell is `destructive`.
   */
  classify?(args: Args, config: Config): ToolClass | Promise<ToolClass>;
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

/** A tool as `defineTool` takes it when it reads a typed config: `context.config` is the schema's output. */
export type ConfiguredToolInput<Args, Config> = ToolImplementation<Args, Config> & { configSchema: z.ZodType<Config> };
/** A tool as `defineTool` takes it without a config schema: `context.config` is the raw object (or undefined). */
export type PlainToolInput<Args> = ToolImplementation<Args, RawToolConfig> & { configSchema?: undefined };

/**
 * Defines a tool for a worker. `execute`'s arguments are inferred from `schema`, and `context.config` from
 * `configSchema`; the result keeps no type parameters, so tools of any shape go in one list (`extraTools`).
 */
export function defineTool<Args, Config>(tool: ConfiguredToolInput<Args, Config>): ToolImplementation;
export function defineTool<Args>(tool: PlainToolInput<Args>): ToolImplementation;
export function defineTool<Args, Config>(tool: ToolImplementation<Args, Config>): ToolImplementation {
  // Refused here, where the tool is written, rather than by a provider at the first run that offers it.
  if (!TOOL_NAME_PATTERN.test(tool.name)) {
    throw new TypeError(`tool name "${tool.name}" is invalid: tool names are 1-64 letters, digits, _ or -`);
  }
  return tool as unknown as ToolImplementation;
}
