import type { ApproverSet } from './approval-settings';
import type { BudgetName, BudgetOverrides } from '../budget';
import { firstMatch } from '../glob';
import type { NameRules } from './platform-policy';
import type { NamedScope, Ruled } from './scopes';
import type { ToolClass } from '../tool-class';
import type { NotificationSettings } from '../notifications';

export const DEFAULT_MAX_STEPS = 20;
export const DEFAULT_APPROVAL_TIMEOUT_MS = 86_400_000;
export const DEFAULT_CLASS_RULES: Readonly<Record<ToolClass, 'allow' | 'approval'>> = {
  read: 'allow',
  write: 'allow',
  destructive: 'approval',
};

export type { Ruled } from './scopes';

/** One scope's allow and deny lists, tagged with the scope. */
export type NameLayer = NameRules & { source: string };

/** Approvers a scope adds to every gate (per class when it says so). */
export interface ApproverLayer {
  source: string;
  approvers?: ApproverSet;
  byClass: Partial<Record<ToolClass, ApproverSet>>;
}

/** One scope's demand that approvals be verified: for these classes and agents (every one when a list is absent). */
export interface VerifiedRule {
  source: string;
  classes?: ToolClass[];
  agents?: string[];
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
  /** Scopes whose gates count only verified approvals, for these classes and agents (all when absent). Absent in runs from before. */
  verifiedApprovals?: VerifiedRule[];
  /** The fewest distinct approvers per class the platform asks of every gate. Absent in runs from before. */
  quorum?: Record<ToolClass, Ruled<number>>;
  /** Whether the run's own user may approve its calls. Absent (yes) in runs from before. */
  requesterMayApprove?: Ruled<boolean>;
  /** `required`: the run's userId must be proven by a credential. */
  requesterCredential?: 'required' | 'optional';
  codeSandbox: Ruled<'required' | 'optional'>;
  /** Whether this run's spans may carry message content (the worker must also be set to record it). */
  traceContent: Ruled<boolean>;
  /** Where approvers hear of this run's gates: the team's notifications section, else the organisation's. */
  notifications?: Ruled<NotificationSettings>;
}

/** A rule a spec or caller asked to loosen: which rule, the scope that set it, its value, and what was asked where. */
/** The lists of names a scope may allow or deny. */
export type NameArea = 'tools' | 'mcpServers' | 'models';

/** What a violated rule governs; callers decide by this, never by a rule's name or text. */
export type PolicyArea = 'team' | 'budget' | 'classes' | NameArea | 'approvals' | 'traces';

/**
 * Areas whose violation a running run cannot live with once a new policy applies: it may not keep talking to a model
 * or an MCP server the policy now forbids, nor act for a team or a user the policy no longer admits. Other areas are
 * enforced by the new policy's values themselves (tighter limits, classes, approvers).
 */
const BLOCKING_AREAS: ReadonlySet<PolicyArea> = new Set<PolicyArea>(['models', 'mcpServers', 'team']);

export const blocksRunningRun = (violation: PolicyViolation): boolean => BLOCKING_AREAS.has(violation.area);

export interface PolicyViolation {
  area: PolicyArea;
  /** The rule as explanations name it, e.g. `budget.maxSteps` or `models.deny`. */
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

/** Each scope's lists of one kind, tagged with the scope. */
export function nameLayers(
  scopes: readonly NamedScope[],
  pick: (scope: NamedScope) => NameRules | undefined,
): NameLayer[] {
  return scopes.flatMap((scope) => {
    const rules = pick(scope);
    return rules ? [{ source: scope.source, ...rules }] : [];
  });
}
