import { z } from 'zod';
import { SecretRefSchema } from './secret-ref';
import { ToolClassSchema } from './tool-class';

/** `api.github.com`, or `*.example.com` for any subdomain (not the apex itself). */
const HostPatternSchema = z
  .string()
  .toLowerCase()
  .regex(
    /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[?[0-9a-f:.]+\]?$/,
    'hosts are names like api.example.com or *.example.com, or IP addresses',
  );

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const HttpMethodSchema = z.enum(HTTP_METHODS);
export type HttpMethod = z.infer<typeof HttpMethodSchema>;

/** Plain text, or a secret with an optional prefix: `{ secret: GITHUB_TOKEN, prefix: 'Bearer ' }`. */
export const InjectedHeaderSchema = z.union([
  z.string(),
  SecretRefSchema.extend({ prefix: z.string().max(64).optional() }),
]);
export type InjectedHeader = z.output<typeof InjectedHeaderSchema>;

export const HttpHostRuleSchema = z.strictObject({
  host: HostPatternSchema,
  /** Added by the worker to every request to this host; the model never sees or sets them. */
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'header names are letters, digits and -'), InjectedHeaderSchema)
    .default({}),
  /** Private, loopback and link-local addresses are refused unless set: for a service on the worker's own network. */
  allowPrivate: z.boolean().default(false),
  /** Overrides the class a method gets by default (GET/HEAD read, POST/PUT/PATCH write, DELETE destructive). */
  classes: z.partialRecord(HttpMethodSchema, ToolClassSchema).default({}),
});
export type HttpHostRule = z.output<typeof HttpHostRuleSchema>;

/** `tools: [{ name: http_request, config: ... }]` in an agent spec. */
export const HttpRequestConfigSchema = z.strictObject({
  hosts: z.array(HttpHostRuleSchema).min(1, 'list at least one host the agent may call'),
  timeoutSeconds: z.number().positive().max(300).default(30),
  /** Bytes read from a response body; the rest is not downloaded. */
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .max(50 * 1024 * 1024)
    .default(2 * 1024 * 1024),
});
export type HttpRequestConfig = z.output<typeof HttpRequestConfigSchema>;

/** `tools: [{ name: sql, config: ... }]` in an agent spec. */
export const SqlConfigSchema = z.strictObject({
  /** A PostgreSQL connection string, always from the worker's secrets. */
  connection: SecretRefSchema,
  statementTimeoutSeconds: z.number().positive().max(3600).default(30),
  /** Rows shown to the model per statement; the rest are counted, not shown. */
  maxRows: z.number().int().positive().max(10_000).default(100),
});
export type SqlConfig = z.output<typeof SqlConfigSchema>;

/** The config schema of each built-in tool that takes one, so a bad spec is refused at start. */
export const BUILTIN_TOOL_CONFIGS: Readonly<Record<string, z.ZodType>> = {
  http_request: HttpRequestConfigSchema,
  sql: SqlConfigSchema,
};
