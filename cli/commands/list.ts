import type { Command } from 'commander';
import { RUN_STATUSES } from '../../common/run-state';
import type * as Action from '../actions/list';
import type { ActionRunner } from '../context';

export function registerList(program: Command, run: ActionRunner): void {
  program
    .command('list')
    .summary('list runs, newest first')
    .description(
      'List runs from Temporal visibility, newest first, filtered by the search attributes ReinsStatus, ' +
        'ReinsAgent, ReinsUser and ReinsTeam. Visibility trails the runs by a moment.',
    )
    .option('--status <status>', `only runs with this status (${RUN_STATUSES.join(', ')})`)
    .option('--agent <name>', 'only runs of this agent')
    .option('--user <id>', 'only runs acting for this user')
    .option('--team <name>', 'only runs of this team')
    .option('--limit <n>', 'at most this many runs', '20')
    .action(run(() => (require('../actions/list') as typeof Action).list));
}
