import type { AgentSpec } from './agent-spec';
import type { ApproverSet } from './approval-policy';
import type { BudgetName, BudgetOverrides } from './budget';
import { firstMatch } from './glob';
import { DEFAULT_TEAM, type LoadedPolicy, type NameRules, type TraceContentRule } from './platform-policy';
import {
  BUDGET_RULES,
  contentStrictness,
  formatLimit,
  scopesFor,
  tightest,
  TOOL_CLASSES,
  type NamedScope,
  type Ruled,
} from './policy-rules';
import { modelsOfSpec, mcpServerAddress, policyNameOfSpecTool } from './spec-reach';
import type { ToolClass } from './tool-class';

export const DEFAULT_MAX_STEPS = 20;
export const DEFAULT_APPROVAL_TIMEOUT_MS = 86_400_000;
export const DEFAULT_CLASS_RULES: Readonly<Record<ToolClass, 'allow' | 'approval'>> = {
  read: 'allow',
  write: 'allow',
  destructive: 'approval',
};

export type { Ruled } from './policy-rules';

/** One scope's allow and deny lists, tagged with the scope. */
export type NameLayer = NameRules & { source: string };

/** Approvers a scope adds to every gate (per class when it says so). */
export interface ApproverLayer {
  source: string;
  approvers?: ApproverSet;
  byClass: Partial<Record<ToolClass, ApproverSet>>;
}

/**
 * The rules one run obeys, each with the scope it came from. Computed once when the run starts (recorded in its
 * history with the run state) and replaced only when an operator applies a new policy to the run.
 */
export interface EffectivePolicy {
  team: string;
  /** The policy file version that applied; absent when the worker has no platform policy. */
  version?: string;
  budget: { maxSteps: Ruled<number> } & Partial<Record<Exclude<BudgetName, 'maxSteps'>, Ruled<number>>>;
  dailySpendUsd?: Ruled<number>;
  classes: Record<ToolClass, Ruled<'allow' | 'approval'>>;
  /** Every layer must admit a tool: the platform scopes', then the agent spec's own lists. */
  tools: NameLayer[];
  mcpServers: NameLayer[];
  models: NameLayer[];
  /** Platform approver groups; a decider must satisfy each of them as well as the spec's approvers. */
  approvers: ApproverLayer[];
  approvalTimeout: Ruled<number>;
  escalationTimeout: Ruled<number>;
  maxApprovalTimeout?: Ruled<number>;
  codeSandbox: Ruled<'required' | 'optional'>;
  /** Whether this run's spans may carry message content (the worker must also be set to record it). */
  traceContent: Ruled<boolean>;
}

/** A rule a spec or caller asked to loosen: which rule, the scope that set it, its value, and what was asked where. */
export interface PolicyViolation {
  rule: string;
  scope: string;
  limit: string;
  asked: string;
  field: string;
}

export function describeViolation(v: PolicyViolation): string {
  const scope = v.scope === 'org' || v.scope.startsWith('team ') ? `the ${v.scope} policy` : v.scope;
  return `${v.rule}: ${scope} sets ${v.limit}; ${v.field} asks for ${v.asked}`;
}

/** Who starts the run and with what: the caller's own limits take part in the policy like a last scope. */
export interface RunContext {
  userId: string;
  team: string;
  budget?: BudgetOverrides;
  spendCapUsd?: number;
  /** False when the run's model has no price, so cost ceilings cannot be enforced. */
  priced?: boolean;
}

export interface PolicyResolution {
  policy: EffectivePolicy;
  violations: PolicyViolation[];
}

/** Whether a list of layers admits `name`; on refusal, which scope and glob said no. */
export function nameVerdict(
  layers: readonly NameLayer[],
  name: string,
): { allowed: true } | { allowed: false; source: string; rule: 'allow' | 'deny'; glob?: string } {
  for (const layer of layers) {
    const denied = firstMatch(layer.deny, name);
    if (denied) return { allowed: false, source: layer.source, rule: 'deny', glob: denied };
    if (layer.allow && !firstMatch(layer.allow, name)) return { allowed: false, source: layer.source, rule: 'allow' };
  }
  return { allowed: true };
}

function nameLayers(scopes: readonly NamedScope[], pick: (scope: NamedScope) => NameRules | undefined): NameLayer[] {
  return scopes.flatMap((scope) => {
    const rules = pick(scope);
    return rules ? [{ source: scope.source, ...rules }] : [];
  });
}

/**
 * The effective policy of a run of `spec` under a platform policy (or none), and every way the spec or the caller
 * asks for more than a scope above allows. The policy returned always holds the stricter value, so a caller that
 * goes on despite violations (an operator applying a new policy to a running run) gets the platform's rules.
 */
export function resolvePolicy(loaded: LoadedPolicy | undefined, spec: AgentSpec, run: RunContext): PolicyResolution {
  const scopes = scopesFor(loaded?.policy, run.team);
  const violations: PolicyViolation[] = [];
  const refuse = (v: PolicyViolation) => violations.push(v);

  if (loaded) {
    const teams = Object.keys(loaded.policy.teams);
    const teamScope = loaded.policy.teams[run.team];
    if (!teamScope && run.team !== DEFAULT_TEAM) {
      refuse({
        rule: 'teams',
        scope: 'org',
        limit: teams.length ? `the teams ${teams.join(', ')}` : 'no teams',
        asked: run.team,
        field: 'team',
      });
    }
    if (teamScope?.members && !teamScope.members.includes(run.userId)) {
      refuse({
        rule: 'members',
        scope: `team ${run.team}`,
        limit: `members ${teamScope.members.join(', ')}`,
        asked: run.userId,
        field: 'userId',
      });
    }
  }

  const budget = {} as EffectivePolicy['budget'];
  for (const rule of BUDGET_RULES) {
    const ceiling = tightest(scopes, (rules) => rules.budget?.[rule]);
    const fromSpec = rule === 'maxSteps' ? spec.maxSteps : spec.budget[rule];
    let ruled = ceiling;
    if (fromSpec !== undefined) {
      if (ceiling && fromSpec > ceiling.value) {
        refuse({
          rule: `budget.${rule}`,
          scope: ceiling.source,
          limit: `a ceiling of ${formatLimit(rule, ceiling.value)}`,
          asked: formatLimit(rule, fromSpec),
          field: rule === 'maxSteps' ? 'spec.maxSteps' : `spec.budget.${rule}`,
        });
      } else ruled = { value: fromSpec, source: 'agent spec' };
    } else if (rule === 'maxSteps' && (!ceiling || ceiling.value > DEFAULT_MAX_STEPS)) {
      ruled = { value: DEFAULT_MAX_STEPS, source: 'default' };
    }
    const fromRun = run.budget?.[rule];
    if (fromRun !== undefined) {
      if (ruled && fromRun > ruled.value) {
        refuse({
          rule: `budget.${rule}`,
          scope: ruled.source,
          limit: `a limit of ${formatLimit(rule, ruled.value)}`,
          asked: formatLimit(rule, fromRun),
          field: `budget.${rule}`,
        });
      } else ruled = { value: fromRun, source: 'run' };
    }
    if (ruled) (budget as Record<string, Ruled<number>>)[rule] = ruled;
  }
  const costCeiling = budget.maxCostUsd;
  if (costCeiling && run.priced === false && costCeiling.source !== 'agent spec' && costCeiling.source !== 'run') {
    refuse({
      rule: 'budget.maxCostUsd',
      scope: costCeiling.source,
      limit: `a ceiling of $${costCeiling.value}`,
      asked: `model ${spec.model.name}, which has no price`,
      field: 'prices',
    });
  }

  let dailySpendUsd = tightest(scopes, (rules) => rules.dailySpendUsd);
  if (run.spendCapUsd !== undefined) {
    if (dailySpendUsd && run.spendCapUsd > dailySpendUsd.value) {
      refuse({
        rule: 'dailySpendUsd',
        scope: dailySpendUsd.source,
        limit: `a cap of $${dailySpendUsd.value} per user per day`,
        asked: `$${run.spendCapUsd}`,
        field: 'spendCap.dailyUsd',
      });
    } else dailySpendUsd = { value: run.spendCapUsd, source: 'run' };
  }
  if (dailySpendUsd && dailySpendUsd.source !== 'run' && run.priced === false) {
    refuse({
      rule: 'dailySpendUsd',
      scope: dailySpendUsd.source,
      limit: `a cap of $${dailySpendUsd.value} per user per day`,
      asked: `model ${spec.model.name}, which has no price`,
      field: 'prices',
    });
  }

  const classes = {} as EffectivePolicy['classes'];
  for (const toolClass of TOOL_CLASSES) {
    let platform: Ruled<'allow' | 'approval'> | undefined;
    for (const scope of scopes) {
      const value = scope.rules.classes?.[toolClass];
      if (value && platform?.value !== 'approval') platform = { value, source: scope.source };
    }
    const fromSpec = spec.policy.classes[toolClass];
    if (platform?.value === 'approval' && fromSpec === 'allow') {
      refuse({
        rule: `classes.${toolClass}`,
        scope: platform.source,
        limit: `approval for every ${toolClass} call`,
        asked: 'allow',
        field: `spec.policy.classes.${toolClass}`,
      });
    }
    // A platform `approval` stays the platform's even when the spec repeats it: its source is what makes it binding.
    classes[toolClass] =
      fromSpec !== undefined && platform?.value !== 'approval'
        ? { value: fromSpec, source: 'agent spec' }
        : (platform ?? { value: DEFAULT_CLASS_RULES[toolClass], source: 'default' });
  }

  const platformTools = nameLayers(scopes, (scope) => scope.rules.tools);
  spec.tools.forEach((tool, index) => {
    const name = policyNameOfSpecTool(spec, tool.name);
    const verdict = nameVerdict(platformTools, name);
    if (!verdict.allowed) {
      refuse({
        rule: `tools.${verdict.rule}`,
        scope: verdict.source,
        limit: verdict.rule === 'deny' ? `deny ${verdict.glob}` : 'an allow list without it',
        asked: name,
        field: `spec.tools.${index}.name`,
      });
    }
  });
  const tools: NameLayer[] = [
    ...platformTools,
    { source: 'agent spec', deny: spec.policy.deny, ...(spec.policy.allow ? { allow: spec.policy.allow } : {}) },
  ];

  const mcpServers = nameLayers(scopes, (scope) => scope.rules.mcpServers);
  spec.mcpServers.forEach((server, index) => {
    const address = mcpServerAddress(server);
    const verdict = nameVerdict(mcpServers, address);
    if (!verdict.allowed) {
      refuse({
        rule: `mcpServers.${verdict.rule}`,
        scope: verdict.source,
        limit: verdict.rule === 'deny' ? `deny ${verdict.glob}` : 'an allow list without it',
        asked: `${server.name} (${address})`,
        field: `spec.mcpServers.${index}`,
      });
    }
  });

  const models = nameLayers(scopes, (scope) => scope.rules.models);
  for (const { model, field } of modelsOfSpec(spec)) {
    const verdict = nameVerdict(models, model);
    if (!verdict.allowed) {
      refuse({
        rule: `models.${verdict.rule}`,
        scope: verdict.source,
        limit: verdict.rule === 'deny' ? `deny ${verdict.glob}` : 'an allow list without it',
        asked: model,
        field,
      });
    }
  }

  const approvers: ApproverLayer[] = scopes.flatMap((scope) => {
    const settings = scope.rules.approvals;
    if (!settings?.approvers && !settings?.byClass) return [];
    return [
      {
        source: scope.source,
        ...(settings.approvers ? { approvers: settings.approvers } : {}),
        byClass: { ...settings.byClass },
      },
    ];
  });

  const maxWait = tightest(scopes, (rules) => rules.approvals?.maxTimeout);
  const wait = (asked: number | undefined, field: string): Ruled<number> => {
    if (asked !== undefined && maxWait && asked > maxWait.value) {
      refuse({
        rule: 'approvals.maxTimeout',
        scope: maxWait.source,
        limit: `gates of at most ${formatLimit('approvalTimeout', maxWait.value)}`,
        asked: formatLimit('approvalTimeout', asked),
        field,
      });
      return maxWait;
    }
    if (asked !== undefined) return { value: asked, source: 'agent spec' };
    if (maxWait && maxWait.value < DEFAULT_APPROVAL_TIMEOUT_MS) return maxWait;
    return { value: DEFAULT_APPROVAL_TIMEOUT_MS, source: 'default' };
  };
  const approvalTimeout = wait(spec.approvals.timeout, 'spec.approvals.timeout');
  const escalationTimeout = wait(spec.approvals.escalation?.timeout, 'spec.approvals.escalation.timeout');
  spec.tools.forEach((tool, index) => wait(tool.timeout, `spec.tools.${index}.timeout`));

  let codeSandbox: Ruled<'required' | 'optional'> = { value: 'optional', source: 'default' };
  for (const scope of scopes) {
    const value = scope.rules.sandbox?.codeTools;
    if (value && codeSandbox.value !== 'required') codeSandbox = { value, source: scope.source };
  }

  let contentRule: Ruled<TraceContentRule> = { value: 'allowed', source: 'default' };
  for (const scope of scopes) {
    const value = scope.rules.traces?.content;
    if (value && contentStrictness(value) >= contentStrictness(contentRule.value)) {
      contentRule = { value, source: scope.source };
    }
  }
  const optIn = spec.telemetry?.recordContent;
  if (contentRule.value === 'forbidden' && optIn === true) {
    refuse({
      rule: 'traces.content',
      scope: contentRule.source,
      limit: 'no message content on traces',
      asked: 'recordContent: true',
      field: 'spec.telemetry.recordContent',
    });
  }
  const traceContent: Ruled<boolean> =
    optIn === false
      ? { value: false, source: 'agent spec' }
      : contentRule.value === 'forbidden'
        ? { value: false, source: contentRule.source }
        : contentRule.value === 'opt-in'
          ? { value: optIn === true, source: optIn === true ? 'agent spec' : contentRule.source }
          : { value: true, source: optIn === true ? 'agent spec' : contentRule.source };

  const policy: EffectivePolicy = {
    team: run.team,
    ...(loaded ? { version: loaded.version } : {}),
    budget,
    ...(dailySpendUsd ? { dailySpendUsd } : {}),
    classes,
    tools,
    mcpServers,
    models,
    approvers,
    approvalTimeout,
    escalationTimeout,
    ...(maxWait ? { maxApprovalTimeout: maxWait } : {}),
    codeSandbox,
    traceContent,
  };
  return { policy, violations };
}
