import type { AgentSpec } from '../agent-spec';
import type { ToolDefinition } from '../chat';
import { priceFor } from '../pricing';
import { teamOf, type RunInput } from '../run-input';
import type { LoadedPolicy } from './platform-policy';
import { scopesFor } from './scopes';
import {
  checkMembership,
  resolveBudget,
  resolveClasses,
  resolveCodeAndTraces,
  resolveNameRules,
  type Resolving,
} from './resolvers';
import { resolveApprovals } from './approval-resolvers';
import type { EffectivePolicy, PolicyResolution, PolicyViolation, RunContext } from './effective-policy';
import { toolViolations } from './tool-checks';

export * from './effective-policy';

/** What a run's policy is decided from. */
export interface PolicyInputs {
  /** The platform policy as the worker (or a client holding the same file) read it; none for a single-user setup. */
  platform: LoadedPolicy | undefined;
  spec: AgentSpec;
  run: RunContext;
  /** The run's tool definitions, when known: adds the checks that need each tool's real class. */
  tools?: ReadonlyMap<string, ToolDefinition>;
}

/**
 * The one entry point of the policy engine: the effective policy of a run and every way the spec or the caller asks
 * for more than a scope above allows, each violation typed by its area. The policy returned always holds the stricter
 * value, so a caller that goes on despite violations (an operator applying a new policy to a running run) gets the
 * platform's rules. Workers at run start and on apply, `reins policy explain` and clients before a start all call it.
 */
export function evaluatePolicy({ platform, spec, run, tools }: PolicyInputs): PolicyResolution {
  const resolution = resolveRules(platform, spec, run);
  if (!tools) return resolution;
  return { ...resolution, violations: [...resolution.violations, ...toolViolations(resolution.policy, spec, tools)] };
}

/** The caller's side of a run as policy sees it: who, which team, and the limits asked for. */
export function runContextOf(input: RunInput): RunContext {
  return {
    userId: input.userId,
    team: teamOf(input),
    budget: input.budget,
    ...(input.spendCap ? { spendCapUsd: input.spendCap.dailyUsd } : {}),
    priced: priceFor(input.prices, input.spec.model.name) !== undefined,
  };
}

/** The innermost scope's notifications section: a team that names its own channels replaces the organisation's. */
function resolveNotifications({ scopes }: Resolving): Pick<EffectivePolicy, 'notifications'> {
  for (const scope of [...scopes].reverse()) {
    if (scope.rules.notifications) return { notifications: { value: scope.rules.notifications, source: scope.source } };
  }
  return {};
}

/** The rules layer by layer: platform scopes, then the spec, then the caller; refusals collected on the way. */
function resolveRules(loaded: LoadedPolicy | undefined, spec: AgentSpec, run: RunContext): PolicyResolution {
  const violations: PolicyViolation[] = [];
  const resolving: Resolving = {
    scopes: scopesFor(loaded?.policy, run.team),
    spec,
    run,
    refuse: (violation) => violations.push(violation),
  };
  if (loaded) checkMembership(loaded, resolving);
  const policy: EffectivePolicy = {
    team: run.team,
    ...(loaded ? { version: loaded.version } : {}),
    ...resolveBudget(resolving),
    classes: resolveClasses(resolving),
    ...resolveNameRules(resolving),
    ...resolveApprovals(resolving),
    ...(loaded?.policy.identity?.requester === 'required' ? { requesterCredential: 'required' as const } : {}),
    ...resolveCodeAndTraces(resolving),
    ...resolveNotifications(resolving),
  };
  return { policy, violations };
}
