import { z } from 'zod';
import type { ToolDefinition } from '../../common/chat';
import type { Sandbox } from '../sandbox/sandbox';
import type { SecretResolver } from '../secrets';
import { FILE_TOOLS } from './file-tools';
import { createHttpRequestTool } from './http-request';
import { createRunCodeTool, type ToolWithWarnings } from './run-code';
import { createSqlTool } from './sql';
import type { ToolImplementation } from './tool';

/** The built-in tools, with run_code bound to the worker's sandbox and credentials from the worker's secrets. */
export function builtInTools(sandbox?: Sandbox, secrets?: SecretResolver): ToolImplementation[] {
  return [...FILE_TOOLS, createRunCodeTool(sandbox), createHttpRequestTool({ secrets }), createSqlTool({ secrets })];
}

/** The built-ins with default settings (run_code in bubblewrap, failing closed where it is missing). */
export const BUILT_IN_TOOLS: readonly ToolImplementation[] = builtInTools();

/** The JSON Schema the model and the workflow see; `io: 'input'` keeps defaulted fields optional. */
export function toolDefinition(tool: ToolWithWarnings): ToolDefinition {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(tool.schema, { io: 'input' }) as Record<string, unknown>;
  const warnings = tool.warnings?.length ? { warnings: [...tool.warnings] } : {};
  const perCall = tool.classify ? { classifiedPerCall: true } : {};
  const code = tool.runsCode ? { runsCode: { ...tool.runsCode } } : {};
  const idempotent = tool.idempotent ? { idempotent: true } : {};
  const paths = tool.pathArgs?.length ? { pathArgs: [...tool.pathArgs] } : {};
  return {
    name: tool.name,
    description: tool.description,
    class: tool.class,
    parameters,
    ...warnings,
    ...perCall,
    ...code,
    ...idempotent,
    ...paths,
  };
}

export class ToolRegistry {
  private readonly byName = new Map<string, ToolImplementation>();
  private readonly definitions = new Map<string, ToolDefinition>();

  constructor(tools: readonly ToolWithWarnings[]) {
    for (const tool of tools) {
      if (this.byName.has(tool.name)) throw new Error(`tool "${tool.name}" is registered twice`);
      this.byName.set(tool.name, tool);
      this.definitions.set(tool.name, toolDefinition(tool));
    }
  }

  get(name: string): ToolImplementation | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** Definitions for `names`, in that order; the unknown ones are returned separately. */
  describe(names: readonly string[]): { definitions: ToolDefinition[]; unknown: string[] } {
    const definitions: ToolDefinition[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const definition = this.definitions.get(name);
      if (definition) definitions.push(definition);
      else unknown.push(name);
    }
    return { definitions, unknown };
  }
}
