import { z } from 'zod';
import { TeamNameSchema } from '../../common/policy/platform-policy';
import type { PolicyChange } from '../../common/run-state';
import { loadAgentFile } from '../../client/agent-file';
import { explainRunPolicy, loadPolicyFile, type PolicyExplanation } from '../../client/policy-check';
import type { Handler } from '../context';
import { EXIT_FAILED } from '../exit-codes';
import { parseFlags } from '../flags';
import { table } from '../format';
import { defaultUserId } from '../../client/default-user';

const ExplainFlagsSchema = z.strictObject({
  user: z.string().min(1).max(200).optional(),
  team: TeamNameSchema.optional(),
  policy: z.string().min(1).optional(),
});

const ApplyFlagsSchema = z.strictObject({
  by: z.string().trim().min(1, 'name who applies the policy').max(200),
  reason: z.string().min(1).max(2000).optional(),
});

function formatExplanation(explanation: PolicyExplanation): string {
  const source = explanation.version
    ? `policy ${explanation.version}${explanation.file ? ` (${explanation.file})` : ''}`
    : 'no platform policy (set REINS_POLICY_FILE or --policy)';
  const lines = [
    `Agent ${explanation.agent} · user ${explanation.userId} · team ${explanation.team} · ${source}`,
    '',
    table(
      ['RULE', 'VALUE', 'FROM'],
      explanation.rules.map((row) => [row.rule, row.value, row.source]),
    ),
  ];
  if (explanation.violations.length > 0) {
    lines.push('', 'A run would be refused at start:', ...explanation.violations.map((v) => `  - ${v}`));
  }
  return lines.join('\n');
}

function formatChange(runId: string, change: PolicyChange): string {
  const versions = `${change.fromVersion ?? 'none'} -> ${change.toVersion ?? 'none'}`;
  const lines = [`Applied the platform policy to run ${runId} as ${change.by} (version ${versions}).`];
  lines.push(...(change.changes.length ? change.changes.map((c) => `  changed: ${c}`) : ['  no rule changed']));
  lines.push(...change.overridden.map((o) => `  the policy's value applies: ${o}`));
  return lines.join('\n');
}

export const explain: Handler = async (ctx, [file], options) => {
  const flags = parseFlags(ExplainFlagsSchema, options);
  const spec = await loadAgentFile(file!);
  const userId = flags.user ?? defaultUserId(ctx.io.env);
  const policyFile = flags.policy ?? (ctx.io.env.REINS_POLICY_FILE || undefined);
  const loaded = policyFile ? loadPolicyFile(policyFile) : undefined;
  const explanation = explainRunPolicy(
    spec,
    { userId, ...(flags.team ? { team: flags.team } : {}), ...(policyFile ? { file: policyFile } : {}) },
    loaded,
  );
  const { policy: _effective, ...printed } = explanation;
  ctx.out.result(printed, () => formatExplanation(explanation));
  return explanation.violations.length > 0 ? EXIT_FAILED : undefined;
};

export const validate: Handler = async (ctx, [file]) => {
  const loaded = loadPolicyFile(file!);
  const teams = Object.keys(loaded.policy.teams);
  ctx.out.result({ file, version: loaded.version, teams }, () =>
    [`${file} is valid: version ${loaded.version}`, `teams: ${teams.join(', ') || '(none)'}`].join('\n'),
  );
};

export const apply: Handler = async (ctx, [runId], options) => {
  const flags = parseFlags(ApplyFlagsSchema, options);
  const reins = await ctx.reins();
  const change = await reins.applyPolicy(runId!, flags);
  ctx.out.result({ runId, change }, () => formatChange(runId!, change));
};
