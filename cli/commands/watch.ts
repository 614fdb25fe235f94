import type { Command } from 'commander';
import type * as Action from '../actions/watch';
import type { ActionRunner } from '../context';

export function registerWatch(program: Command, run: ActionRunner): void {
  program
    .command('watch')
    .summary('follow a run live until it ends')
    .description(
      'Follow a run live: each step, model call (tokens, latency, cost), tool call, approval waiting and decided, ' +
        'and a progress line with the running cost, until the run ends with its result. With --json, one JSON event ' +
        'per line. Exits 1 if the run ends other than completed.',
    )
    .argument('<run>', 'run id (the workflow id)')
    .option('--interval <ms>', 'how often to look at the run, in milliseconds', '1000')
    .action(run(() => (require('../actions/watch') as typeof Action).watch));
}
