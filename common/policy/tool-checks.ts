import type { AgentSpec } from '../agent-spec';
import type { ToolDefinition } from '../chat';
import type { EffectivePolicy, PolicyViolation } from './effective-policy';
import { isPlatformSource } from './scopes';
import { CLASS_RANK } from '../tool-class';

/**
 * Loosenings that need the tools' classes (part of evaluatePolicy when the tools are given; on its own only for a run
 * that discovers its tools after its policy was resolved), known once the tools are discovered: a tool spared approval, or given a
 * milder class, where a platform scope requires approval for what the tool really is.
 */
export function toolViolations(
  policy: EffectivePolicy,
  spec: AgentSpec,
  definitions: ReadonlyMap<string, ToolDefinition>,
): PolicyViolation[] {
  const found: PolicyViolation[] = [];
  spec.tools.forEach((tool, index) => {
    const definition = definitions.get(tool.name);
    if (!definition) return;
    const own = definition.class;
    const rule = policy.classes[own];
    if (rule.value !== 'approval' || !isPlatformSource(rule.source)) return;
    const limit = `approval for every ${own} call`;
    if (tool.approval !== 'default' && tool.approval !== 'always') {
      found.push({
        area: 'classes',
        rule: `classes.${own}`,
        scope: rule.source,
        limit,
        asked: tool.approval === 'never' ? 'approval: never' : 'approval only under conditions',
        field: `spec.tools.${index}.approval`,
      });
    }
    if (tool.class && CLASS_RANK[tool.class] < CLASS_RANK[own] && policy.classes[tool.class].value !== 'approval') {
      found.push({
        area: 'classes',
        rule: `classes.${own}`,
        scope: rule.source,
        limit,
        asked: `class ${tool.class} for ${tool.name}, a ${own} tool`,
        field: `spec.tools.${index}.class`,
      });
    }
  });
  return found;
}
