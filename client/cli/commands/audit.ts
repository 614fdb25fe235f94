import type { Command } from 'commander';
import type * as Action from '../actions/audit';
import type { ActionRunner } from '../context';

export function registerAudit(program: Command, run: ActionRunner): void {
  program
    .command('audit')
    .summary("print a run's audit trail as JSON lines")
    .description(
      "Print a run's full audit trail, one JSON record per line: every model call, tool call, approval request, " +
        'decision and ignored decision, the platform policy the run started under and every policy applied to it later, with when, who (user, approver), what (tool, arguments), outcome, tokens, ' +
        'cost, latency and attempt. Built from the run state and its Temporal history; works on running and ended ' +
        'runs. Arguments of tools matching $REINS_AUDIT_HASH_ARGS globs (comma separated) are written as a sha256. ' +
        'Exits 3, naming each part on stderr, when part of the run cannot be decoded (wrong keys, missing payload).',
    )
    .argument('<run>', 'run id (the workflow id)')
    .option('--hash-args', "write every tool's arguments as a sha256 instead of their value")
    .action(run(() => (require('../actions/audit') as typeof Action).audit));
}
