import type { BudgetName } from '../budget';
import { formatDuration } from '../duration';
import type { PlatformPolicy, PolicyScope, TeamScope, TraceContentRule } from './platform-policy';
import { TRACE_CONTENT_RULES } from './platform-policy';
import type { ToolClass } from '../tool-class';
import { ownValue } from '../own';

/** Every limit a scope may cap, in the order explanations list them. */
export const BUDGET_RULES: readonly BudgetName[] = [
  'maxSteps',
  'maxToolCalls',
  'maxInputTokens',
  'maxOutputTokens',
  'maxTotalTokens',
  'maxCostUsd',
  'maxDuration',
];

export const TOOL_CLASSES: readonly ToolClass[] = ['read', 'write', 'destructive'];

/** A rule's value and the scope it came from: `default`, `org`, `team <name>`, `agent spec` or `run`. */
export interface Ruled<T> {
  value: T;
  source: string;
}

/** A scope's rules with the name explanations and refusals use for it. */
export interface NamedScope {
  source: string;
  rules: PolicyScope | TeamScope;
}

/** The scopes that apply to a run of `team`, top first. */
export function scopesFor(policy: PlatformPolicy | undefined, team: string): NamedScope[] {
  if (!policy) return [];
  const teamScope = ownValue(policy.teams, team);
  return [{ source: 'org', rules: policy.org }, ...(teamScope ? [{ source: `team ${team}`, rules: teamScope }] : [])];
}

export const isPlatformSource = (source: string) => source === 'org' || source.startsWith('team ');

export function formatLimit(rule: BudgetName | 'dailySpendUsd' | 'approvalTimeout', value: number): string {
  if (rule === 'maxDuration' || rule === 'approvalTimeout') return formatDuration(value);
  if (rule === 'maxCostUsd' || rule === 'dailySpendUsd') return `$${value}`;
  return String(value);
}

export const contentStrictness = (rule: TraceContentRule) => TRACE_CONTENT_RULES.indexOf(rule);

/** The tightest of the scopes' values for one numeric ceiling, and which scope set it (the higher one on a tie). */
export function tightest(
  scopes: readonly NamedScope[],
  read: (rules: PolicyScope) => number | undefined,
): Ruled<number> | undefined {
  let found: Ruled<number> | undefined;
  for (const scope of scopes) {
    const value = read(scope.rules);
    if (value !== undefined && (!found || value < found.value)) found = { value, source: scope.source };
  }
  return found;
}

export const budgetCeiling = (rules: PolicyScope, rule: BudgetName) => rules.budget?.[rule];

/** A place in the policy file where a team loosens what the organisation set. */
export interface ScopeLoosening {
  path: Array<string | number>;
  message: string;
}

/**
 * Team scopes may only tighten the organisation's rules. Lists of names need no check (a team's allow list is applied
 * on top of the organisation's, never instead of it); ceilings, class rules and switches do.
 */
export function teamLoosenings(policy: PlatformPolicy): ScopeLoosening[] {
  const found: ScopeLoosening[] = [];
  const org = policy.org;
  for (const [team, rules] of Object.entries(policy.teams)) {
    const at = (...path: Array<string | number>) => ['teams', team, ...path];
    for (const rule of BUDGET_RULES) {
      const limit = org.budget?.[rule];
      const asked = rules.budget?.[rule];
      if (limit !== undefined && asked !== undefined && asked > limit) {
        found.push({
          path: at('budget', rule),
          message: `may only lower the org ceiling of ${formatLimit(rule, limit)}, not raise it to ${formatLimit(rule, asked)}`,
        });
      }
    }
    if (
      org.dailySpendUsd !== undefined &&
      rules.dailySpendUsd !== undefined &&
      rules.dailySpendUsd > org.dailySpendUsd
    ) {
      found.push({
        path: at('dailySpendUsd'),
        message: `may only lower the org cap of $${org.dailySpendUsd}, not raise it to $${rules.dailySpendUsd}`,
      });
    }
    for (const toolClass of TOOL_CLASSES) {
      if (org.classes?.[toolClass] === 'approval' && rules.classes?.[toolClass] === 'allow') {
        found.push({
          path: at('classes', toolClass),
          message: `the org requires approval for ${toolClass} tools; a team may not waive it`,
        });
      }
    }
    const orgWait = org.approvals?.maxTimeout;
    const teamWait = rules.approvals?.maxTimeout;
    if (orgWait !== undefined && teamWait !== undefined && teamWait > orgWait) {
      found.push({
        path: at('approvals', 'maxTimeout'),
        message: `may only shorten the org's ${formatDuration(orgWait)}, not extend it to ${formatDuration(teamWait)}`,
      });
    }
    if (org.approvals?.requesterMayApprove === false && rules.approvals?.requesterMayApprove === true) {
      found.push({
        path: at('approvals', 'requesterMayApprove'),
        message: "the org forbids approving one's own runs; a team may not allow it",
      });
    }
    if (org.sandbox?.codeTools === 'required' && rules.sandbox?.codeTools === 'optional') {
      found.push({ path: at('sandbox', 'codeTools'), message: 'the org requires a sandbox for code tools' });
    }
    const orgContent = org.traces?.content;
    const teamContent = rules.traces?.content;
    if (orgContent && teamContent && contentStrictness(teamContent) < contentStrictness(orgContent)) {
      found.push({
        path: at('traces', 'content'),
        message: `the org sets trace content to ${orgContent}; a team may not loosen it to ${teamContent}`,
      });
    }
  }
  return found;
}
