import { z } from 'zod';
import { TextOrSecretSchema } from './secret-ref';

const ServerName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, 'server names are lowercase letters, digits and -, up to 31 characters');

/** An MCP server the agent may use, started by the worker (stdio) or reached over streamable HTTP. */
export const McpServerSpecSchema = z.discriminatedUnion('transport', [
  z.strictObject({
    name: ServerName,
    transport: z.literal('stdio'),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    /** Environment for the server process; credentials only as secret references. */
    env: z.record(z.string(), TextOrSecretSchema).default({}),
    cwd: z.string().optional(),
  }),
  z.strictObject({
    name: ServerName,
    transport: z.literal('http'),
    url: z.url(),
    /** Request headers; credentials only as secret references. */
    headers: z.record(z.string(), TextOrSecretSchema).default({}),
  }),
]);
export type McpServerSpec = z.output<typeof McpServerSpecSchema>;

/** How an MCP tool is named for policy (`server.tool`, matched by globs like `github.*`). */
export const mcpPolicyName = (server: string, tool: string) => `${server}.${tool}`;
/** How it is named for the model: provider tool names allow no dots. */
export const mcpModelName = (server: string, tool: string) => `${server}__${tool}`.slice(0, 64);
