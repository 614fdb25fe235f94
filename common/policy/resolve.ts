import type { AgentSpec } from '../agent-spec';
import type { LoadedPolicy } from './platform-policy';
import { scopesFor } from './scopes';
import {
  checkMembership,
  resolveApprovals,
  resolveBudget,
  resolveClasses,
  resolveCodeAndTraces,
  resolveNameRules,
  type Resolving,
} from './resolvers';
import type { EffectivePolicy, PolicyResolution, PolicyViolation, RunContext } from './effective-policy';

export * from './effective-policy';

/**
 * The effective policy of a run of `spec` under a platform policy (or none), and every way the spec or the caller
 * asks for more than a scope above allows. The policy returned always holds the stricter value, so a caller that
 * goes on despite violations (an operator applying a new policy to a running run) gets the platform's rules.
 */
export function resolvePolicy(loaded: LoadedPolicy | undefined, spec: AgentSpec, run: RunContext): PolicyResolution {
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
    ...resolveCodeAndTraces(resolving),
  };
  return { policy, violations };
}
