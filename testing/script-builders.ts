import type { ScriptTurn, ScriptedToolCall, ScriptedUsage } from './scripted-model';

/** A turn that answers with text, which ends a run. */
export function answer(content: string, usage?: ScriptedUsage): ScriptTurn {
  return { reply: { content, ...(usage ? { usage } : {}) } };
}

/** A turn that asks for tool calls; `arguments` may be any JSON value (encoded for the wire). */
export function callTools(...calls: ScriptedToolCall[]): ScriptTurn {
  return { reply: { toolCalls: calls } };
}

/** A turn that asks for one tool call. */
export function callTool(name: string, args: unknown = {}): ScriptTurn {
  return callTools({ name, arguments: args });
}
