import { isCancellation } from '@temporalio/workflow';
import type { AgentSpec } from '../../common/agent-spec';
import type { ToolDefinition } from '../../common/chat';
import { toolViolations } from '../../common/policy/tool-checks';
import type { RunInput } from '../../common/run-input';
import type { RunRecord } from '../../common/run-state';
import type { ContextWindow } from '../model/context-window';
import { discoverTools } from '../tools/tool-discovery';
import { failureOf } from './failures';
import { violationFailure } from './run-policy';

/**
 * The first execution of a run: its tools are discovered (built-in, worker and MCP definitions, recorded in history),
 * checked against the platform policy, and the conversation opens with the instructions and the prompt. Returns why
 * the run cannot go on, or nothing.
 */
export async function openFirstSegment(
  spec: AgentSpec,
  input: RunInput,
  record: RunRecord,
  definitions: Map<string, ToolDefinition>,
  context: ContextWindow,
): Promise<{ type: string; message: string } | undefined> {
  try {
    for (const definition of await discoverTools(spec, input.userId)) definitions.set(definition.name, definition);
  } catch (error) {
    if (isCancellation(error)) throw error;
    return failureOf(error);
  }
  const refused = toolViolations(record.policy!, spec, definitions);
  if (refused.length > 0) return violationFailure(refused);
  context.push({ role: 'system', content: spec.instructions });
  context.push({ role: 'user', content: input.prompt });
  return undefined;
}
