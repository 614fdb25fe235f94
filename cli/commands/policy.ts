import type { Command } from 'commander';
import type * as Action from '../actions/policy';
import type { ActionRunner } from '../context';

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
    .action(run(() => (require('../actions/policy') as typeof Action).explain));

  policy
    .command('validate')
    .summary('check a platform policy file before workers load it')
    .description(
      'Reads <policy-file> as a worker would and prints its version and teams; exits 2 naming each bad field when ' +
        'it is invalid (including a team that loosens an organisation rule).',
    )
    .argument('<policy-file>', 'the platform policy file (YAML)')
    .action(run(() => (require('../actions/policy') as typeof Action).validate));

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
    .action(run(() => (require('../actions/policy') as typeof Action).apply));
}
