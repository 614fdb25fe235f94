import type { AgentSpec } from '../common/agent-spec';
import { builtInDefinitions } from '../common/builtin-tools';
import type { ToolDefinition } from '../common/chat';
import { describeViolation, evaluatePolicy, runContextOf, type EffectivePolicy } from '../common/policy/resolve';
import type { LoadedPolicy } from '../common/policy/platform-policy';
import { explainPolicy, type PolicyRuleRow } from '../common/policy/explain';
import { priceFor, type PriceTable } from '../common/pricing';
import type { RunInput } from '../common/run-input';
import { DEFAULT_TEAM } from '../common/policy/platform-policy';
import { PolicyFileError, readPolicyFile } from '../shared/policy-file';
import { PolicyFileInvalidError } from './errors';

/** Reads the platform policy file as the workers do; errors name the file and each bad field. */
export function loadPolicyFile(file: string): LoadedPolicy {
  try {
    return readPolicyFile(file);
  } catch (error) {
    if (error instanceof PolicyFileError) throw new PolicyFileInvalidError(error.message);
    throw error;
  }
}

/** Everything `reins policy explain` prints: each effective rule with its scope, and what would be refused. */
export interface PolicyExplanation {
  agent: string;
  userId: string;
  team: string;
  /** The policy file and its version; absent when no policy file is configured. */
  file?: string;
  version?: string;
  rules: PolicyRuleRow[];
  /** Why a run would be refused at start; empty when it would start. */
  violations: string[];
  policy: EffectivePolicy;
}

// The built-in tools' classes are known without a worker; tools of a worker's own or of MCP servers are checked when
// a run starts.
const BUILT_IN_DEFINITIONS: ReadonlyMap<string, ToolDefinition> = builtInDefinitions();

/**
 * The rules a run of `spec` for `userId` would obey under `loaded`, computed exactly as the workflow computes them at
 * run start (the same pure function), and every way the spec would be refused.
 */
export function explainRunPolicy(
  spec: AgentSpec,
  options: { userId: string; team?: string; prices?: PriceTable; file?: string },
  loaded: LoadedPolicy | undefined,
): PolicyExplanation {
  const team = options.team ?? spec.team ?? DEFAULT_TEAM;
  const priced = options.prices ? priceFor(options.prices, spec.model.name) !== undefined : undefined;
  const resolved = evaluatePolicy({
    platform: loaded,
    spec,
    run: { userId: options.userId, team, ...(priced !== undefined ? { priced } : {}) },
    tools: BUILT_IN_DEFINITIONS,
  });
  return {
    agent: spec.name,
    userId: options.userId,
    team,
    ...(loaded && options.file ? { file: options.file } : {}),
    ...(loaded ? { version: loaded.version } : {}),
    rules: explainPolicy(resolved.policy),
    violations: resolved.violations.map(describeViolation),
    policy: resolved.policy,
  };
}

/**
 * Why a run with this input would be refused at start under `loaded` (or under its spec alone: a caller's limits
 * above the spec's); the workers check the same again.
 */
export function startViolations(input: RunInput, loaded: LoadedPolicy | undefined): string[] {
  const { violations } = evaluatePolicy({
    platform: loaded,
    spec: input.spec,
    run: runContextOf(input),
    tools: BUILT_IN_DEFINITIONS,
  });
  return violations.map(describeViolation);
}
