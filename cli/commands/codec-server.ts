import type { Command } from 'commander';
import { DEFAULT_CODEC_ORIGINS } from '../../common/task-queues';
import type * as Action from '../actions/codec-server';
import type { ActionRunner } from '../context';

export function registerCodecServer(program: Command, run: ActionRunner): void {
  program
    .command('codec-server')
    .summary('serve the encryption codec to the Temporal Web UI')
    .description(
      'Decrypt payloads for the Temporal Web UI (its "codec endpoint"): POST /encode and /decode with the keys from ' +
        "REINS_ENCRYPTION_KEYS or REINS_ENCRYPTION_KEYS_FILE, until Ctrl-C. Set the UI's codec endpoint to the " +
        'printed URL (the dev server does this with --ui-codec-endpoint). Callers need the --token, or an access ' +
        'token from an identity provider of the --policy file (the UI\'s "pass access token").',
    )
    .option('--port <n>', 'port to listen on', '8888')
    .option('--host <ip>', 'address to listen on', '127.0.0.1')
    .option('--token <token>', 'accept `Authorization: Bearer <token>` (default: $REINS_CODEC_TOKEN)')
    .option(
      '--policy <file>',
      "accept the Web UI's access tokens from this platform policy's identity.providers (default: $REINS_POLICY_FILE)",
    )
    .option('--require-role <role>', "an access token's user must have this role (through the provider's roleMap)")
    .option('--insecure-no-auth', 'serve anyone without a token; refused unless --host is a loopback address')
    .option('--origin <url...>', `browser origins allowed to call (default: ${DEFAULT_CODEC_ORIGINS.join(', ')})`)
    .action(run(() => (require('../actions/codec-server') as typeof Action).codecServer));
}
