import { z } from 'zod';
import { TOOL_NAME_PATTERN, type ToolClass } from '../../common/agent-spec';
import type { ToolDefinition } from '../../common/chat';
import { mcpModelName, mcpPolicyName } from '../../common/mcp-server';
import { describeZodIssues } from '../../common/zod-issues';

/**
 * The parts of an MCP tool declaration reins relies on. Everything else passes through; `inputSchema` is checked to
 * be an object and then used as received, so the model sees exactly the schema the server declared.
 */
export const ListedToolSchema = z.looseObject({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()),
  annotations: z
    .looseObject({
      title: z.string().optional(),
      readOnlyHint: z.boolean().optional(),
      destructiveHint: z.boolean().optional(),
    })
    .optional(),
});
export type ListedTool = z.infer<typeof ListedToolSchema>;

/** One tools/list page, loosely: tools are checked one by one so an error can name the bad one. */
export const ListPageSchema = z.looseObject({
  tools: z.array(z.unknown()),
  nextCursor: z.string().optional(),
});

/** Hints, not guarantees: read-only wins over destructive; a tool that claims neither is treated as a write. */
export function classFromAnnotations(annotations: ListedTool['annotations']): ToolClass {
  if (annotations?.readOnlyHint === true) return 'read';
  if (annotations?.destructiveHint === true) return 'destructive';
  return 'write';
}

/** Parses one declaration; the error names the tool by its position and name. */
export function parseListedTool(
  raw: unknown,
  index: number,
): { ok: true; tool: ListedTool } | { ok: false; message: string } {
  const parsed = ListedToolSchema.safeParse(raw);
  if (parsed.success) return { ok: true, tool: parsed.data };
  const name = (raw as { name?: unknown } | null)?.name;
  const label = typeof name === 'string' ? `"${name}"` : `#${index + 1}`;
  return { ok: false, message: `tool ${label} is malformed: ${describeZodIssues(parsed.error)}` };
}

/**
 * Why the workflow could not check arguments against this schema, if it could not. The workflow converts each schema
 * with the same library before it lets a call through; a schema it cannot convert (an external `$ref`, an unknown
 * type) would make every call of the tool fail there, so such tools are left out at listing time instead.
 */
export function schemaProblem(inputSchema: Record<string, unknown>): string | undefined {
  try {
    z.fromJSONSchema(inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** A model-facing name that providers accept, distinct from the names already taken. */
function modelNameFor(server: string, tool: string, taken: Set<string>): string {
  let name = mcpModelName(server, tool);
  if (!TOOL_NAME_PATTERN.test(name)) name = mcpModelName(server, tool.replace(/[^A-Za-z0-9_-]/g, '_'));
  for (let n = 2; taken.has(name); n++) {
    const suffix = `_${n}`;
    name = `${mcpModelName(server, tool.replace(/[^A-Za-z0-9_-]/g, '_')).slice(0, 64 - suffix.length)}${suffix}`;
  }
  taken.add(name);
  return name;
}

/**
 * The definitions the workflow records for a server's tools. `raw` are the declarations as received (their
 * `inputSchema` objects are used untouched); `tools` are the same declarations checked.
 */
export function toToolDefinitions(server: string, tools: Array<{ raw: unknown; tool: ListedTool }>): ToolDefinition[] {
  const taken = new Set<string>();
  return tools.map(({ raw, tool }) => {
    const name = modelNameFor(server, tool.name, taken);
    const expected = mcpModelName(server, tool.name);
    const definition: ToolDefinition = {
      name,
      description: tool.description ?? tool.title ?? tool.annotations?.title ?? '',
      class: classFromAnnotations(tool.annotations),
      parameters: (raw as { inputSchema: Record<string, unknown> }).inputSchema,
      policyName: mcpPolicyName(server, tool.name),
      source: { kind: 'mcp', server, tool: tool.name },
    };
    if (name !== expected) {
      definition.warnings = [
        `MCP tool "${tool.name}" of server "${server}" is offered to the model as ${name} (model tool names allow only letters, digits, _ and -, up to 64)`,
      ];
    }
    return definition;
  });
}
