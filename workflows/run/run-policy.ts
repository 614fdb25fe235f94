import { ApplicationFailure, isCancellation, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { ReinsActivities } from '../../activities';
import type { RunPatches } from './run-patches';
import type { ToolDefinition } from '../../common/chat';
import {
  describeViolation,
  blocksRunningRun,
  evaluatePolicy,
  runContextOf,
  type EffectivePolicy,
  type PolicyResolution,
  type PolicyViolation,
} from '../../common/policy/resolve';
import { ErrorType } from '../../common/errors';
import {
  applyPolicyUpdate,
  ApplyPolicyRequestSchema,
  HANDLER_DESCRIPTIONS,
  type ApplyPolicyRequest,
} from '../../common/messages';
import { diffPolicies } from '../../common/policy/explain';
import { limitsOf } from '../../common/policy/limits';
import type { RunInput } from '../../common/run-input';
import type { PolicyChange, RunRecord } from '../../common/run-state';
import { describeUndecodable, undecodableReason } from '../../common/undecodable';
import { describeZodIssues } from '../../common/zod-issues';
import { POLICY_ACTIVITY_OPTIONS } from '../activity-options';
import { failureOf } from './failures';

// A local activity: reading a small file on the worker needs no trip through a task queue, and its result is
// recorded in history all the same (a marker), so replays and audits see the policy the run got.
const { loadPlatformPolicy } = proxyLocalActivities<ReinsActivities>(POLICY_ACTIVITY_OPTIONS);

/** Runs recorded before platform policies existed replay without asking for one. */
export const PLATFORM_POLICY_PATCH = 'reins-platform-policy';

/**
 * The policy a new run starts under: the worker's platform policy (an activity, so the rules that applied are in
 * history and replay reads them back) layered with the spec and the caller's limits.
 */
async function policyAtStart(
  input: RunInput,
  patches: RunPatches,
): Promise<PolicyResolution & { platformAware: boolean; stale?: string }> {
  const platformAware = patches.has(PLATFORM_POLICY_PATCH);
  const loaded = platformAware ? await loadPlatformPolicy() : undefined;
  return {
    ...evaluatePolicy({ platform: loaded, spec: input.spec, run: runContextOf(input) }),
    platformAware,
    ...(loaded?.stale ? { stale: loaded.stale } : {}),
  };
}

/**
 * Settles the rules of a run's execution: a new run asks for the platform policy and is refused (the failure
 * returned) when it asks for more than that allows; a continued run keeps the policy it carries, and one carried over
 * from before platform policies gets its spec's rules, as they were.
 */
export async function startPolicy(
  input: RunInput,
  state: RunRecord,
  fresh: boolean,
  patches: RunPatches,
): Promise<{ type: string; message: string } | undefined> {
  if (!fresh) {
    if (!state.policy)
      adoptPolicy(state, evaluatePolicy({ platform: undefined, spec: input.spec, run: runContextOf(input) }).policy);
    return undefined;
  }
  let start: Awaited<ReturnType<typeof policyAtStart>>;
  try {
    start = await policyAtStart(input, patches);
  } catch (error) {
    if (isCancellation(error)) throw error;
    return failureOf(error);
  }
  adoptPolicy(state, start.policy);
  if (start.platformAware) state.team = start.policy.team;
  if (start.stale) {
    state.warnings.push(
      `the platform policy file is invalid (${start.stale}); this run started under its last good version ${start.policy.version}`,
    );
  }
  return start.violations.length > 0 ? violationFailure(start.violations) : undefined;
}

/** Makes `policy` the run's rules: the state's limits follow it at once. */
export function adoptPolicy(state: RunRecord, policy: EffectivePolicy): void {
  state.policy = policy;
  state.limits = limitsOf(policy);
  state.maxSteps = state.limits.maxSteps;
}

export function violationFailure(violations: readonly PolicyViolation[]): { type: string; message: string } {
  return {
    type: ErrorType.PolicyViolation,
    message: `refused by the platform policy: ${violations.map(describeViolation).join('; ')}`,
  };
}

/**
 * `reins policy apply`: the run takes the workers' current platform policy. Where the spec asks for more than the new
 * policy allows, the policy's value applies and the change says so; a model or MCP server the new policy forbids
 * ends the run at its next step (`onBlocked`).
 */
export function registerPolicyApply(
  input: RunInput,
  state: RunRecord,
  definitions: ReadonlyMap<string, ToolDefinition>,
  hooks: { onChange: () => void; onBlocked: (message: string) => void },
): void {
  setHandler(
    applyPolicyUpdate,
    async (raw: ApplyPolicyRequest): Promise<PolicyChange> => {
      // The validator passed this payload; parsing again keeps only (and trims) the fields the schema knows.
      const parsed = ApplyPolicyRequestSchema.safeParse(raw);
      if (!parsed.success) {
        throw ApplicationFailure.nonRetryable(describeZodIssues(parsed.error), ErrorType.PolicyApplyInvalid);
      }
      const request = parsed.data;
      const loaded = await loadPlatformPolicy();
      const resolved = evaluatePolicy({
        platform: loaded,
        spec: input.spec,
        run: runContextOf(input),
        tools: definitions,
      });
      const violations = resolved.violations;
      const before = state.policy;
      const change: PolicyChange = {
        at: new Date(Date.now()).toISOString(),
        step: state.step,
        by: request.by,
        ...(request.reason !== undefined ? { reason: request.reason } : {}),
        ...(before?.version ? { fromVersion: before.version } : {}),
        ...(resolved.policy.version ? { toVersion: resolved.policy.version } : {}),
        changes: diffPolicies(before, resolved.policy),
        overridden: violations.map(describeViolation),
      };
      adoptPolicy(state, resolved.policy);
      (state.policyChanges ??= []).push(change);
      const blocking = violations.filter(blocksRunningRun);
      if (blocking.length > 0) hooks.onBlocked(violationFailure(blocking).message);
      hooks.onChange();
      return change;
    },
    {
      description: HANDLER_DESCRIPTIONS.applyPolicy,
      validator: (request: ApplyPolicyRequest) => {
        const undecodable = undecodableReason(request);
        if (undecodable !== undefined) {
          throw ApplicationFailure.nonRetryable(describeUndecodable(undecodable), ErrorType.PolicyApplyInvalid);
        }
        const parsed = ApplyPolicyRequestSchema.safeParse(request);
        if (!parsed.success) {
          throw ApplicationFailure.nonRetryable(describeZodIssues(parsed.error), ErrorType.PolicyApplyInvalid);
        }
        if (!['running', 'awaiting_approval'].includes(state.status)) {
          throw ApplicationFailure.nonRetryable(`the run has ended (${state.status})`, ErrorType.PolicyApplyInvalid);
        }
      },
    },
  );
}
