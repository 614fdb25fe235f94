import type { Command } from 'commander';
import type * as Action from '../actions/decide';
import type { ActionRunner } from '../context';

function describeCommon(command: Command): Command {
  return command
    .argument('<run>', 'run id (the workflow id)')
    .argument('<request>', 'approval request id, as `reins status` or `reins pending` shows it (e.g. 3-1)')
    .requiredOption('--by <who>', 'who decides (recorded in the run and its audit trail)')
    .option('--signal', 'send the decision as a signal (fire-and-forget) instead of an update (confirmed)')
    .option('--timeout <duration>', 'how long to wait for the run to confirm (e.g. 30s); default 15s')
    .option(
      '--token-file <file>',
      "a JWT from the organisation's identity provider proving --by (default: $REINS_APPROVER_TOKEN_FILE)",
    )
    .option('--sign-key <file>', 'sign the decision with this PEM private key (registered in identity.approverKeys)')
    .option('--key-id <kid>', 'the id the signing key is registered under (with --sign-key)');
}

export function registerDecide(program: Command, run: ActionRunner): void {
  describeCommon(
    program
      .command('approve')
      .summary('approve a pending tool call')
      .description(
        'Approve a pending tool call. The run confirms or refuses the decision at once (exit 1 with its reason ' +
          'when refused, e.g. unknown or already decided request, or arguments that do not fit the tool).',
      ),
  )
    .option('--reason <text>', 'why (optional for an approval)')
    .option('--edit <json>', 'run the call with these arguments instead, as a JSON object')
    .action(run(() => (require('../actions/decide') as typeof Action).approve));

  describeCommon(
    program
      .command('reject')
      .summary('reject a pending tool call')
      .description(
        'Reject a pending tool call. The model is told the call was rejected and why, and the run goes on. ' +
          'Exits 1 with the reason when the run refuses the decision.',
      ),
  )
    .requiredOption('--reason <text>', 'why the call is rejected (the model reads it)')
    .action(run(() => (require('../actions/decide') as typeof Action).reject));
}
