import type { AgentTool } from '../common/agent-spec';
import type { ToolDefinition } from '../common/chat';

export type ToolCallDecision = { kind: 'run' } | { kind: 'approval'; rule: string } | { kind: 'deny'; rule: string };

/**
 * Whether a validated call may run now, must wait for a human, or is refused. Pure: the workflow calls it before any
 * tool activity is scheduled, so nothing a model or client sends can route around it.
 */
export function decideToolCall(tool: AgentTool | undefined, definition: ToolDefinition): ToolCallDecision {
  if (!tool) return { kind: 'deny', rule: `tool "${definition.name}" is not in this agent's tool list` };
  switch (tool.approval) {
    case 'always':
      return { kind: 'approval', rule: `agent spec: ${tool.name} approval=always` };
    case 'never':
      return { kind: 'run' };
    case 'default':
      return definition.class === 'destructive'
        ? { kind: 'approval', rule: `${tool.name} is destructive; destructive tools need approval by default` }
        : { kind: 'run' };
  }
}
