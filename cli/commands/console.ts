import type { Command } from 'commander';
import type * as Action from '../actions/console';
import type { ActionRunner } from '../context';

export function registerConsole(program: Command, run: ActionRunner): void {
  program
    .command('console')
    .summary('serve the approvers’ web console')
    .description(
      'Serve the web console until Ctrl-C: pending approvals across all runs (those the signed-in person may ' +
        'decide), runs filtered by agent, user, team and status, each run’s timeline, and approve, reject, edit and ' +
        'bulk decisions, updated live. People sign in with a token from REINS_CONSOLE_TOKENS or ' +
        'REINS_CONSOLE_TOKENS_FILE (a JSON list of {token, userId, roles}); decisions are sent as that user.',
    )
    .option('--port <n>', 'port to listen on (default: $REINS_CONSOLE_PORT, else 8080)')
    .option('--host <ip>', 'address to listen on', '127.0.0.1')
    .option(
      '--tokens-file <file>',
      'the sign-in tokens (default: $REINS_CONSOLE_TOKENS_FILE, else $REINS_CONSOLE_TOKENS)',
    )
    .option('--poll <ms>', 'how often pending requests are read for live updates', '1000')
    .option('--secure-cookie', 'mark the session cookie Secure (when served behind HTTPS)')
    .action(run(() => (require('../actions/console') as typeof Action).consoleServer));
}
