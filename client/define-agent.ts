import { AgentSpecSchema, type AgentSpec, type AgentSpecInput } from '../common/agent-spec';
import { describeZodIssues } from '../common/zod-issues';
import { AgentSpecError } from './errors';

/**
 * The one check of an agent spec on the client side, for specs from code and from files alike: the parsed spec
 * (defaults filled in), or one line naming each bad field.
 */
export function checkAgentSpec(raw: unknown): { ok: true; spec: AgentSpec } | { ok: false; problems: string } {
  const parsed = AgentSpecSchema.safeParse(raw);
  return parsed.success ? { ok: true, spec: parsed.data } : { ok: false, problems: describeZodIssues(parsed.error) };
}

/**
 * An agent defined in code: the same shape and the same checks as an agent file (`reins run --agent x.yaml`), so a
 * typo fails where the agent is written rather than when a run starts. Returns the parsed spec, defaults filled in,
 * ready for `startRun({ spec })`; throws AgentSpecError naming the agent and each bad field.
 */
export function defineAgent(spec: AgentSpecInput): AgentSpec {
  const checked = checkAgentSpec(spec);
  if (checked.ok) return checked.spec;
  const name = (spec as { name?: unknown } | null)?.name;
  const what = typeof name === 'string' && name.length > 0 && name.length <= 64 ? `agent "${name}"` : 'agent spec';
  throw new AgentSpecError(`${what} is invalid: ${checked.problems}`);
}
