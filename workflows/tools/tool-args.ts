import { z } from 'zod';
import type { ToolDefinition } from '../../common/chat';
import { formatCount, textOf } from '../../common/text';
import { describeZodIssues } from '../../common/zod-issues';
import { MAX_TOOL_ARGUMENT_CHARS } from './tool-call-bounds';

export type ArgsCheck = { ok: true; args: Record<string, unknown> } | { ok: false; message: string };

/**
 * Validates tool arguments against the JSON Schema recorded at run start. Runs in the workflow so that invalid
 * calls (from the model or an approver's edit) never reach an activity. Schemas are converted once per tool.
 */
export class ToolArgsValidator {
  private readonly schemas = new Map<string, z.ZodType>();

  constructor(private readonly definitions: ReadonlyMap<string, ToolDefinition>) {}

  private schemaFor(tool: string): z.ZodType | string | undefined {
    let schema = this.schemas.get(tool);
    if (!schema) {
      const definition = this.definitions.get(tool);
      if (!definition) return undefined;
      try {
        schema = z.fromJSONSchema(definition.parameters as Parameters<typeof z.fromJSONSchema>[0]);
      } catch (error) {
        // A schema we cannot check against refuses the call rather than failing the workflow task.
        return `the schema of ${tool} cannot be checked (${(error as Error).message})`;
      }
      this.schemas.set(tool, schema);
    }
    return schema;
  }

  /**
   * `raw` is the model's JSON text; models sometimes send an empty string for tools without arguments. Whatever else
   * arrives (a number, null, an object from a lenient provider) is checked as its text; an oversized text is refused
   * before it is parsed.
   */
  checkRaw(tool: string, raw: unknown): ArgsCheck {
    const text = textOf(raw);
    if (text.length > MAX_TOOL_ARGUMENT_CHARS) {
      return {
        ok: false,
        message: `arguments are ${formatCount(text.length)} characters long; at most ${formatCount(MAX_TOOL_ARGUMENT_CHARS)} are accepted`,
      };
    }
    let value: unknown;
    try {
      value = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      return { ok: false, message: `arguments are not valid JSON (${(error as Error).message})` };
    }
    return this.check(tool, value);
  }

  check(tool: string, value: unknown): ArgsCheck {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, message: 'arguments must be a JSON object' };
    }
    const schema = this.schemaFor(tool);
    if (!schema) return { ok: false, message: `no schema for tool "${tool}"` };
    if (typeof schema === 'string') return { ok: false, message: schema };
    let result: ReturnType<z.ZodType['safeParse']>;
    try {
      result = schema.safeParse(value);
    } catch (error) {
      // Deeply nested arguments can exhaust the stack of the checker: refused, not a failed workflow task.
      return { ok: false, message: `arguments cannot be checked (${textOf((error as Error)?.message)})` };
    }
    if (!result.success) return { ok: false, message: describeZodIssues(result.error) };
    return { ok: true, args: value as Record<string, unknown> };
  }
}
