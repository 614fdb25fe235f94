import type { ApproverSet } from './approval-settings';
import { formatDuration } from '../duration';
import type { EffectivePolicy, NameLayer } from './resolve';
import { BUDGET_RULES, formatLimit, TOOL_CLASSES } from './scopes';

/** One effective rule as `reins policy explain` prints it. */
export interface PolicyRuleRow {
  rule: string;
  value: string;
  source: string;
}

const approverText = (set: ApproverSet) =>
  [set.users.length ? `users ${set.users.join(', ')}` : '', set.roles.length ? `roles ${set.roles.join(', ')}` : '']
    .filter(Boolean)
    .join(' or ');

function layerRows(kind: string, layers: readonly NameLayer[]): PolicyRuleRow[] {
  const rows: PolicyRuleRow[] = [];
  for (const layer of layers) {
    if (layer.allow)
      rows.push({ rule: `${kind}.allow`, value: layer.allow.join(', ') || '(nothing)', source: layer.source });
    if (layer.deny.length) rows.push({ rule: `${kind}.deny`, value: layer.deny.join(', '), source: layer.source });
  }
  if (rows.length === 0) rows.push({ rule: kind, value: 'no restriction', source: 'default' });
  return rows;
}

/** Every rule of an effective policy with the scope it came from, in a stable order. */
export function explainPolicy(policy: EffectivePolicy): PolicyRuleRow[] {
  const rows: PolicyRuleRow[] = [
    { rule: 'team', value: policy.team, source: 'run' },
    { rule: 'policy.version', value: policy.version ?? 'none (no platform policy)', source: 'worker' },
  ];
  for (const rule of BUDGET_RULES) {
    const ruled = policy.budget[rule];
    rows.push(
      ruled
        ? { rule: `budget.${rule}`, value: formatLimit(rule, ruled.value), source: ruled.source }
        : { rule: `budget.${rule}`, value: 'no limit', source: 'default' },
    );
  }
  rows.push(
    policy.dailySpendUsd
      ? { rule: 'dailySpendUsd', value: `$${policy.dailySpendUsd.value}`, source: policy.dailySpendUsd.source }
      : { rule: 'dailySpendUsd', value: 'no cap', source: 'default' },
  );
  for (const toolClass of TOOL_CLASSES) {
    const ruled = policy.classes[toolClass];
    rows.push({ rule: `classes.${toolClass}`, value: ruled.value, source: ruled.source });
  }
  rows.push(...layerRows('tools', policy.tools), ...layerRows('mcpServers', policy.mcpServers));
  rows.push(...layerRows('models', policy.models));
  for (const layer of policy.approvers) {
    if (layer.approvers)
      rows.push({ rule: 'approvals.approvers', value: approverText(layer.approvers), source: layer.source });
    for (const toolClass of TOOL_CLASSES) {
      const set = layer.byClass[toolClass];
      if (set) rows.push({ rule: `approvals.byClass.${toolClass}`, value: approverText(set), source: layer.source });
    }
  }
  rows.push(
    {
      rule: 'approvals.timeout',
      value: formatDuration(policy.approvalTimeout.value),
      source: policy.approvalTimeout.source,
    },
    {
      rule: 'approvals.escalation.timeout',
      value: formatDuration(policy.escalationTimeout.value),
      source: policy.escalationTimeout.source,
    },
  );
  if (policy.maxApprovalTimeout) {
    rows.push({
      rule: 'approvals.maxTimeout',
      value: formatDuration(policy.maxApprovalTimeout.value),
      source: policy.maxApprovalTimeout.source,
    });
  }
  rows.push(...approverRuleRows(policy));
  rows.push(
    { rule: 'sandbox.codeTools', value: policy.codeSandbox.value, source: policy.codeSandbox.source },
    {
      rule: 'traces.content',
      value: policy.traceContent.value ? 'recorded (when the worker records content)' : 'not recorded',
      source: policy.traceContent.source,
    },
  );
  return rows;
}

/** Quorums, verified approvals and self-approval, for policies that have them (runs from before do not). */
function approverRuleRows(policy: EffectivePolicy): PolicyRuleRow[] {
  const rows: PolicyRuleRow[] = [];
  for (const toolClass of policy.quorum ? TOOL_CLASSES : []) {
    const ruled = policy.quorum?.[toolClass];
    if (ruled) rows.push({ rule: `approvals.quorum.${toolClass}`, value: String(ruled.value), source: ruled.source });
  }
  for (const rule of policy.verifiedApprovals ?? []) {
    const classes = rule.classes ? `${rule.classes.join(', ')} tools` : 'all tools';
    const agents = rule.agents ? ` of agents ${rule.agents.join(', ')}` : '';
    rows.push({ rule: 'approvals.verified', value: `${classes}${agents}`, source: rule.source });
  }
  if (policy.requesterMayApprove) {
    rows.push({
      rule: 'approvals.requesterMayApprove',
      value: policy.requesterMayApprove.value ? 'yes' : 'no',
      source: policy.requesterMayApprove.source,
    });
  }
  if (policy.requesterCredential) {
    rows.push({ rule: 'identity.requester', value: policy.requesterCredential, source: 'org' });
  }
  return rows;
}

/** The rules whose value or scope differ between two effective policies, as `rule: before -> after`. */
export function diffPolicies(before: EffectivePolicy | undefined, after: EffectivePolicy): string[] {
  const byRule = (policy: EffectivePolicy | undefined) => {
    const grouped = new Map<string, string[]>();
    for (const row of policy ? explainPolicy(policy) : []) {
      grouped.set(row.rule, [...(grouped.get(row.rule) ?? []), `${row.value} (${row.source})`]);
    }
    return new Map([...grouped].map(([rule, values]) => [rule, values.join('; ')]));
  };
  const old = byRule(before);
  const now = byRule(after);
  const changes: string[] = [];
  for (const rule of new Set([...now.keys(), ...old.keys()])) {
    const was = old.get(rule);
    const is = now.get(rule);
    if (was !== is) changes.push(`${rule}: ${was ?? 'unset'} -> ${is ?? 'unset'}`);
  }
  return changes;
}
