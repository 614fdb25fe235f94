import type { Command } from 'commander';
import type * as Action from '../actions/start';
import type { ActionRunner } from '../context';

export function registerStart(program: Command, run: ActionRunner): void {
  program
    .command('start')
    .summary('start a run of an agent')
    .description(
      'Start a run of the agent described by <agent-file> (YAML or JSON) on <prompt>. Prints the run id and its ' +
        'Temporal UI link; with --wait, waits for the run to end and prints its answer like `reins result`.',
    )
    .argument('<agent-file>', 'agent spec file, e.g. agents/file-clerk.yaml')
    .argument('<prompt>', 'what the agent should do')
    .option(
      '--user <id>',
      'who the run acts for (default: $REINS_USER, else $USER, else $LOGNAME, else the account name)',
    )
    .option('--id <run-id>', 'run id to use (default: <agent>-<random>)')
    .option('--team <name>', "the team the run is for (default: the agent spec's team, else default)")
    .option('--max-steps <n>', 'lower the model-call limit for this run')
    .option('--max-tool-calls <n>', 'lower the tool-call limit for this run')
    .option('--max-input-tokens <n>', 'lower the input-token limit for this run')
    .option('--max-output-tokens <n>', 'lower the output-token limit for this run')
    .option('--max-total-tokens <n>', 'lower the total-token limit for this run')
    .option('--max-cost-usd <usd>', 'lower the cost limit for this run (needs a price for the model)')
    .option('--max-duration <d>', 'lower the wall-clock limit for this run, e.g. 30m or 2h')
    .option(
      '--token-file <file>',
      "a JWT from the organisation's identity provider proving --user (default: $REINS_REQUESTER_TOKEN_FILE)",
    )
    .option('--wait', 'wait for the run to end and print its answer')
    .action(run(() => (require('../actions/start') as typeof Action).start));
}
