import type { AgentSpec } from '../agent-spec';
import { DEFAULT_TEAM, type LoadedPolicy, type TraceContentRule } from './platform-policy';
import {
  BUDGET_RULES,
  contentStrictness,
  formatLimit,
  tightest,
  TOOL_CLASSES,
  type NamedScope,
  type Ruled,
} from './scopes';
import {
  DEFAULT_CLASS_RULES,
  DEFAULT_MAX_STEPS,
  nameLayers,
  nameVerdict,
  type EffectivePolicy,
  type NameArea,
  type NameLayer,
  type PolicyViolation,
  type RunContext,
} from './effective-policy';
import { modelsOfSpec, mcpServerAddress, policyNameOfSpecTool } from './spec-reach';
import { ownValue } from '../own';

/** What each part of a resolution works from, and where it reports what the spec or caller asks to loosen. */
export interface Resolving {
  scopes: readonly NamedScope[];
  spec: AgentSpec;
  run: RunContext;
  refuse: (violation: PolicyViolation) => void;
}

/** A team the policy does not define, or a user outside a team's members, is refused. */
export function checkMembership(loaded: LoadedPolicy, { run, refuse }: Resolving): void {
  const teams = Object.keys(loaded.policy.teams);
  const teamScope = ownValue(loaded.policy.teams, run.team);
  if (!teamScope && run.team !== DEFAULT_TEAM) {
    refuse({
      area: 'team',
      rule: 'teams',
      scope: 'org',
      limit: teams.length ? `the teams ${teams.join(', ')}` : 'no teams',
      asked: run.team,
      field: 'team',
    });
  }
  if (teamScope?.members && !teamScope.members.includes(run.userId)) {
    refuse({
      area: 'team',
      rule: 'members',
      scope: `team ${run.team}`,
      limit: `members ${teamScope.members.join(', ')}`,
      asked: run.userId,
      field: 'userId',
    });
  }
}

/** Ceilings from the scopes, lowered by the spec and then by the caller; the daily spend cap likewise. */
export function resolveBudget({
  scopes,
  spec,
  run,
  refuse,
}: Resolving): Pick<EffectivePolicy, 'budget' | 'dailySpendUsd'> {
  const budget = {} as EffectivePolicy['budget'];
  for (const rule of BUDGET_RULES) {
    const ceiling = tightest(scopes, (rules) => rules.budget?.[rule]);
    const fromSpec = rule === 'maxSteps' ? spec.maxSteps : spec.budget[rule];
    let ruled = ceiling;
    if (fromSpec !== undefined) {
      if (ceiling && fromSpec > ceiling.value) {
        refuse({
          area: 'budget',
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
          area: 'budget',
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
      area: 'budget',
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
        area: 'budget',
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
      area: 'budget',
      rule: 'dailySpendUsd',
      scope: dailySpendUsd.source,
      limit: `a cap of $${dailySpendUsd.value} per user per day`,
      asked: `model ${spec.model.name}, which has no price`,
      field: 'prices',
    });
  }
  return { budget, ...(dailySpendUsd ? { dailySpendUsd } : {}) };
}

/** Per class: a platform `approval` holds; otherwise the spec's choice, else the platform's, else the default. */
export function resolveClasses({ scopes, spec, refuse }: Resolving): EffectivePolicy['classes'] {
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
        area: 'classes',
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
  return classes;
}

/** The allow and deny layers of tools, MCP servers and models; spec entries outside them are refused. */
export function resolveNameRules({
  scopes,
  spec,
  refuse,
}: Resolving): Pick<EffectivePolicy, 'tools' | 'mcpServers' | 'models'> {
  const platformTools = nameLayers(scopes, (scope) => scope.rules.tools);
  // Names a spec asks for that a scope's lists leave out: the rule says which list, the scope and the glob.
  const checkName = (kind: NameArea, layers: readonly NameLayer[], name: string, asked: string, field: string) => {
    const verdict = nameVerdict(layers, name);
    if (verdict.allowed) return;
    refuse({
      area: kind,
      rule: `${kind}.${verdict.rule}`,
      scope: verdict.source,
      limit: verdict.rule === 'deny' ? `deny ${verdict.glob}` : 'an allow list without it',
      asked,
      field,
    });
  };
  spec.tools.forEach((tool, index) => {
    const name = policyNameOfSpecTool(spec, tool.name);
    checkName('tools', platformTools, name, name, `spec.tools.${index}.name`);
  });
  const tools: NameLayer[] = [
    ...platformTools,
    { source: 'agent spec', deny: spec.policy.deny, ...(spec.policy.allow ? { allow: spec.policy.allow } : {}) },
  ];

  const mcpServers = nameLayers(scopes, (scope) => scope.rules.mcpServers);
  spec.mcpServers.forEach((server, index) => {
    const address = mcpServerAddress(server);
    checkName('mcpServers', mcpServers, address, `${server.name} (${address})`, `spec.mcpServers.${index}`);
  });

  const models = nameLayers(scopes, (scope) => scope.rules.models);
  for (const { model, field } of modelsOfSpec(spec)) checkName('models', models, model, model, field);
  return { tools, mcpServers, models };
}

/** Whether code tools need a sandbox, and whether this run's spans may carry message content. */
export function resolveCodeAndTraces({
  scopes,
  spec,
  refuse,
}: Resolving): Pick<EffectivePolicy, 'codeSandbox' | 'traceContent'> {
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
      area: 'traces',
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
  return { codeSandbox, traceContent };
}
