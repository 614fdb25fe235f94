import type { Command } from 'commander';
import { SINCE_HELP } from '../../client/since';
import type * as Action from '../actions/usage';
import type { ActionRunner } from '../context';

export function registerUsage(program: Command, run: ActionRunner): void {
  program
    .command('usage')
    .summary('spend and tokens per user, agent, team or day')
    .description(
      'Sum the cost (ReinsCostUsd) and tokens (ReinsTokens) of runs from Temporal visibility, grouped by user, agent, ' +
        'team or day. Runs of unpriced models count their tokens but no cost.',
    )
    .option('--by <key>', 'group by user, agent, team or day', 'user')
    .option('--team <name>', 'only runs of this team')
    .option('--since <when>', `only runs started at or after this moment: ${SINCE_HELP}`)
    .action(run(() => (require('../actions/usage') as typeof Action).usage));
}
