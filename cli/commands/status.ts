import type { Command } from 'commander';
import type * as Action from '../actions/status';
import type { ActionRunner } from '../context';

export function registerStatus(program: Command, run: ActionRunner): void {
  program
    .command('status')
    .summary("show a run's status, usage and pending approvals")
    .description(
      "Show a run's status, step, token usage, pending approvals (with their full arguments, the workspace paths " +
        'they resolve to and how to decide them), decisions taken and its last error. Arguments longer than ' +
        '20,000 characters are cut with the count left out; --request shows one request whole, however long. ' +
        'A running run answers through its worker; an ended run is read from its history.',
    )
    .argument('<run>', 'run id (the workflow id)')
    .option('--request <id>', 'show only this approval request (pending or decided), with all of its arguments')
    .action(run(() => (require('../actions/status') as typeof Action).status));
}
