import type { Command } from 'commander';
import type * as Action from '../actions/result';
import type { ActionRunner } from '../context';

export function registerResult(program: Command, run: ActionRunner): void {
  program
    .command('result')
    .summary('wait for a run to end and print its answer')
    .description(
      'Wait for a run to end and print its answer. Exits 1, printing the reason, if the run failed, ran out of ' +
        'budget or was cancelled or terminated.',
    )
    .argument('<run>', 'run id (the workflow id)')
    .action(run(() => (require('../actions/result') as typeof Action).result));
}
