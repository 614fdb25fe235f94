import { toolDefinitionOf } from '../../common/builtin-tools';
import type { ToolDefinition } from '../../common/chat';
import type { Sandbox } from '../sandbox/sandbox';
import type { SecretResolver } from '../secrets/secret-resolver';
import { FILE_TOOLS } from './file-tools';
import { createHttpRequestTool } from './http-request';
import { createRunCodeTool, type ToolWithWarnings } from './run-code';
import { createSqlTool } from './sql';
import type { ToolImplementation } from '../../common/tools/define-tool';

/** The built-in tools, with run_code bound to the worker's sandbox and credentials from the worker's secrets. */
export function builtInTools(sandbox?: Sandbox, secrets?: SecretResolver): ToolImplementation[] {
  return [...FILE_TOOLS, createRunCodeTool(sandbox), createHttpRequestTool({ secrets }), createSqlTool({ secrets })];
}

/** The built-ins with default settings (run_code in bubblewrap, failing closed where it is missing). */
export const BUILT_IN_TOOLS: readonly ToolImplementation[] = builtInTools();

/** The definition the model and the workflow see, with what only this worker knows (warnings, per-call classes). */
export function toolDefinition(tool: ToolWithWarnings): ToolDefinition {
  return toolDefinitionOf({ ...tool, ...(tool.classify ? { classifiedPerCall: true } : {}) });
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
