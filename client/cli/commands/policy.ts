import type { Command } from 'commander';
import { z } from 'zod';
import { TeamNameSchema } from '../../../common/policy/platform-policy';
import type { PolicyChange } from '../../../common/run-state';
import { loadAgentFile } from '../../agent-file';
import { explainRunPolicy, loadPolicyFile, type PolicyExplanation } from '../../policy';
import type { ActionRunner } from '../context';
import { EXIT_FAILED } from '../exit-codes';
import { parseFlags } from '../flags';
import { table } from '../format';
import { defaultUserId } from '../../default-user';

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

export function registerPolicy(program: Command, run: ActionRunner): void {
  const policy = program
    .command('policy')
    .summary('explain and apply the platform policy')
    .description(
      'The platform policy (REINS_POLICY_FILE on workers and clients) sets the rules every run obeys: organisation ' +
        'defaults, per-team overrides, then the agent spec, each only tightening the one above.',
    );

  policy
    .command('explain')
    .summary('every rule a run of an agent would obey, and which scope set it')
    .description(
      'Computes the effective policy of a run of <agent-file> for a user and team, as a worker does at run start, ' +
        'and prints each rule with the scope it came from (org, team <name>, agent spec, default). Lists what would ' +
        'make the run be refused and exits 1 when there is any.',
    )
    .argument('<agent-file>', 'agent spec file, e.g. agents/file-clerk.yaml')
    .option(
      '--user <id>',
      'the user the run would act for (default: $REINS_USER, else $USER, else $LOGNAME, else the account name)',
    )
    .option('--team <name>', "the team the run would be for (default: the spec's team, else default)")
    .option('--policy <file>', 'the platform policy file (default: $REINS_POLICY_FILE)')
    .action(
      run(async (ctx, [file], options) => {
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
      }),
    );

  policy
    .command('validate')
    .summary('check a platform policy file before workers load it')
    .description(
      'Reads <policy-file> as a worker would and prints its version and teams; exits 2 naming each bad field when ' +
        'it is invalid (including a team that loosens an organisation rule).',
    )
    .argument('<policy-file>', 'the platform policy file (YAML)')
    .action(
      run(async (ctx, [file]) => {
        const loaded = loadPolicyFile(file!);
        const teams = Object.keys(loaded.policy.teams);
        ctx.out.result({ file, version: loaded.version, teams }, () =>
          [`${file} is valid: version ${loaded.version}`, `teams: ${teams.join(', ') || '(none)'}`].join('\n'),
        );
      }),
    );

  policy
    .command('apply')
    .summary("apply the workers' current platform policy to a running run")
    .description(
      'A running run keeps the policy it started with. This applies the policy its workers hold now: the change is ' +
        "recorded in the run's history and audit trail. Where the agent spec asks for more than the new policy " +
        "allows, the policy's value applies; a model or MCP server the new policy forbids ends the run.",
    )
    .argument('<run>', 'run id (the workflow id)')
    .requiredOption('--by <who>', 'who applies the policy (recorded)')
    .option('--reason <text>', 'why (recorded)')
    .action(
      run(async (ctx, [runId], options) => {
        const flags = parseFlags(ApplyFlagsSchema, options);
        const reins = await ctx.reins();
        const change = await reins.applyPolicy(runId!, flags);
        ctx.out.result({ runId, change }, () => formatChange(runId!, change));
      }),
    );
}
