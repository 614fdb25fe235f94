import { z } from 'zod';
import type { ToolClass } from './agent-spec';
import { HttpMethodSchema } from './builtin-tool-config';
import type { ToolDefinition } from './chat';
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from './sandbox-limits';

/**
 * What each built-in tool is (name, class, argument schema, description), without its code: the worker's tools are
 * built on these, and a client checks a spec against them without loading any activity code.
 */
export interface BuiltInToolSpec<Args = unknown> {
  name: string;
  description: string;
  class: ToolClass;
  schema: z.ZodType<Args>;
  pathArgs?: readonly string[];
  idempotent?: boolean;
}

/** What a definition is made of; implementations add what only the worker knows (warnings, per-call classes). */
export interface DefinitionSource extends BuiltInToolSpec {
  warnings?: readonly string[];
  classifiedPerCall?: boolean;
  runsCode?: { sandboxed: boolean };
}

/** The JSON Schema the model and the workflow see; `io: 'input'` keeps defaulted fields optional. */
export function toolDefinitionOf(tool: DefinitionSource): ToolDefinition {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(tool.schema, { io: 'input' }) as Record<string, unknown>;
  return {
    name: tool.name,
    description: tool.description,
    class: tool.class,
    parameters,
    ...(tool.warnings?.length ? { warnings: [...tool.warnings] } : {}),
    ...(tool.classifiedPerCall ? { classifiedPerCall: true } : {}),
    ...(tool.runsCode ? { runsCode: { ...tool.runsCode } } : {}),
    ...(tool.idempotent ? { idempotent: true } : {}),
    ...(tool.pathArgs?.length ? { pathArgs: [...tool.pathArgs] } : {}),
  };
}

/** Bigger files are refused rather than streamed into the model's context. */
export const MAX_FILE_BYTES = 256 * 1024;

const PathArg = z.string().min(1).describe('Path relative to the workspace');

export const LIST_FILES = {
  name: 'list_files',
  idempotent: true,
  pathArgs: ['path'],
  description: 'List the files and directories in a workspace directory.',
  class: 'read',
  schema: z.strictObject({ path: PathArg.default('.') }),
} as const satisfies BuiltInToolSpec;

export const READ_FILE = {
  name: 'read_file',
  idempotent: true,
  pathArgs: ['path'],
  description: 'Read a UTF-8 text file from the workspace.',
  class: 'read',
  schema: z.strictObject({ path: PathArg }),
} as const satisfies BuiltInToolSpec;

export const WRITE_FILE = {
  name: 'write_file',
  idempotent: true,
  pathArgs: ['path'],
  description: 'Create or overwrite a UTF-8 text file in the workspace. Parent directories are created.',
  class: 'write',
  schema: z.strictObject({ path: PathArg, content: z.string().max(MAX_FILE_BYTES) }),
} as const satisfies BuiltInToolSpec;

export const DELETE_FILE = {
  name: 'delete_file',
  idempotent: true,
  pathArgs: ['path'],
  description: 'Delete a file from the workspace.',
  class: 'destructive',
  schema: z.strictObject({ path: PathArg }),
} as const satisfies BuiltInToolSpec;

export const LANGUAGES = ['bash', 'sh', 'python', 'node'] as const;

/** Inline code travels as one argv entry, and Linux caps a single argument at 128 KiB. */
export const MAX_CODE_BYTES = 100 * 1024;

/** The sandbox limits run_code's description and schema tell the model about. */
export type RunCodeLimits = Pick<
  SandboxLimits,
  'defaultSeconds' | 'maxSeconds' | 'memoryBytes' | 'maxProcesses' | 'maxOutputBytes'
>;

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

/** run_code as a worker with this sandbox mode and these limits offers it. */
export function runCodeSpec(mode: 'bubblewrap' | 'unsafe-host', limits: RunCodeLimits) {
  const isolation =
    mode === 'bubblewrap'
      ? 'in an isolated sandbox with no network access. The workspace is the working directory (/workspace) and the ' +
        'only place whose changes persist between calls; /tmp is private to the call.'
      : 'directly on the worker host, WITHOUT a sandbox. The workspace is the working directory.';
  return {
    name: 'run_code',
    description:
      `Run a script or a shell command (language bash or sh) ${isolation} ` +
      `Limits per call: ${limits.defaultSeconds} s wall time unless timeoutSeconds says otherwise (at most ` +
      `${limits.maxSeconds} s), ${Math.round(limits.memoryBytes / 1048576)} MiB memory per process, ` +
      `${limits.maxProcesses} processes, ${limits.maxOutputBytes} bytes of output per stream. ` +
      'Returns the exit code, stdout and stderr.',
    // Arbitrary code can change or delete anything in the workspace, so it needs approval unless a spec says not.
    class: 'destructive',
    schema: z.strictObject({
      language: z.enum(LANGUAGES).describe('bash, sh, python (python3) or node'),
      code: z
        .string()
        .min(1)
        .max(MAX_CODE_BYTES)
        .refine((code) => utf8Bytes(code) <= MAX_CODE_BYTES, `code is over ${MAX_CODE_BYTES} bytes`)
        .refine((code) => !code.includes('\0'), 'code contains a NUL byte')
        .describe('The script, or the shell command for bash/sh'),
      timeoutSeconds: z
        .number()
        .int()
        .positive()
        .optional()
        .describe(`Wall-time limit in seconds; default ${limits.defaultSeconds}, capped at ${limits.maxSeconds}`),
    }),
  } as const satisfies BuiltInToolSpec;
}

export const MAX_REDIRECTS = 5;

/** Headers the model may not set: credentials come from the operator's config, framing from the client itself. */
const FORBIDDEN_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
]);

export const HTTP_REQUEST = {
  name: 'http_request',
  description:
    'Make an HTTP request to an API the agent is allowed to use. Credentials for a host are added by the worker: ' +
    'never put tokens in headers, the URL or the body. Returns the status, a few headers and the body ' +
    '(JSON pretty-printed, long text cut in the middle, binary summarised). Redirects are followed up to ' +
    `${MAX_REDIRECTS} times, each checked like the first request.`,
  // At worst a DELETE; each call is classified by its method and host.
  class: 'destructive',
  schema: z.strictObject({
    method: HttpMethodSchema.default('GET').describe('GET, HEAD, POST, PUT, PATCH or DELETE'),
    url: z
      .url({ protocol: /^https?$/, error: 'url must be an absolute http or https URL' })
      .describe('Absolute http(s) URL; only the hosts the agent is configured for are reachable'),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'header names are letters, digits and -'), z.string())
      .default({})
      .refine(
        (headers) => Object.keys(headers).every((name) => !FORBIDDEN_HEADERS.has(name.toLowerCase())),
        'Authorization, Cookie, Host and framing headers are set by the worker, not in the call',
      )
      .describe('Request headers; credentials are added by the worker for the hosts that need them'),
    body: z
      .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
      .optional()
      .describe('A string, or a JSON object/array sent as application/json'),
  }),
} as const satisfies BuiltInToolSpec;

export const SQL = {
  name: 'sql',
  description:
    "Run SQL on the agent's PostgreSQL database. Reads (SELECT, EXPLAIN) run in a read-only transaction; changes " +
    "may need a human's approval first. Each statement has a time limit, and only the first rows of a result are " +
    'shown with a count of the rest: select what you need, aggregate, or page with LIMIT/OFFSET.',
  class: 'destructive',
  schema: z.strictObject({
    sql: z
      .string()
      .min(1)
      .max(100_000)
      .describe('PostgreSQL statements; several may be separated by ;. Changes run in one transaction.'),
  }),
} as const satisfies BuiltInToolSpec;

/** The built-ins' definitions as a worker with the default sandbox (bubblewrap, default limits) registers them. */
export function builtInDefinitions(limits: RunCodeLimits = DEFAULT_SANDBOX_LIMITS): Map<string, ToolDefinition> {
  const specs: DefinitionSource[] = [
    LIST_FILES,
    READ_FILE,
    WRITE_FILE,
    DELETE_FILE,
    { ...runCodeSpec('bubblewrap', limits), runsCode: { sandboxed: true } },
    { ...HTTP_REQUEST, classifiedPerCall: true },
    { ...SQL, classifiedPerCall: true },
  ];
  return new Map(specs.map((spec) => [spec.name, toolDefinitionOf(spec)]));
}
