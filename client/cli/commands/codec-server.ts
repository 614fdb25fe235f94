import type { Command } from 'commander';
import { DEFAULT_CODEC_ORIGINS } from '../../../common/task-queues';
import type * as Action from '../actions/codec-server';
import type { ActionRunner } from '../context';

export function registerCodecServer(program: Command, run: ActionRunner): void {
  program
    .command('codec-server')
    .summary('serve the encryption codec to the Temporal Web UI')
    .description(
      'Decrypt payloads for the Temporal Web UI (its "codec endpoint"): POST /encode and /decode with the keys from ' +
        "REINS_ENCRYPTION_KEYS or REINS_ENCRYPTION_KEYS_FILE, until Ctrl-C. Set the UI's codec endpoint to the " +
        'printed URL (the dev server does this with --ui-codec-endpoint).',
    )
    .option('--port <n>', 'port to listen on', '8888')
    .option('--host <ip>', 'address to listen on', '127.0.0.1')
    .option('--token <token>', 'require `Authorization: Bearer <token>` (default: $REINS_CODEC_TOKEN)')
    .option('--origin <url...>', `browser origins allowed to call (default: ${DEFAULT_CODEC_ORIGINS.join(', ')})`)
    .action(run(() => (require('../actions/codec-server') as typeof Action).codecServer));
}
