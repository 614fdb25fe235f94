import type { Command } from 'commander';
import type * as Action from '../actions/pending';
import type { ActionRunner } from '../context';

export function registerPending(program: Command, run: ActionRunner): void {
  program
    .command('pending')
    .summary('list every run waiting for a decision')
    .description(
      'List every open run in the namespace that waits for an approval, with each pending request: its id, tool, ' +
        'arguments, when it was requested and how long ago, and the command to decide it.',
    )
    .option('--agent <name>', 'only runs of this agent')
    .option('--user <id>', 'only runs acting for this user')
    .option('--limit <n>', 'at most this many runs', '100')
    .action(run(() => (require('../actions/pending') as typeof Action).pending));
}
