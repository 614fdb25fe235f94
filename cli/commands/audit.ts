import type { Command } from 'commander';
import type * as Action from '../actions/audit';
import type { ActionRunner } from '../context';

export function registerAudit(program: Command, run: ActionRunner): void {
  program
    .command('audit')
    .summary("print a run's audit trail as hash-chained JSON lines, or verify an exported one")
    .description(
      "Print a run's full audit trail, one JSON record per line: every model call, tool call, approval request, " +
        'decision and ignored decision, the platform policy the run started under and every policy applied to it later, with when, who (user, approver), what (tool, arguments), outcome, tokens, ' +
        'cost, latency and attempt. Built from the run state and its Temporal history; works on running and ended ' +
        'runs. Arguments of tools matching $REINS_AUDIT_HASH_ARGS globs (comma separated) are written as a sha256. ' +
        'Each record carries seq, prev (the hash of the record before it) and hash; a last head record counts them ' +
        'and names the last hash, signed with Ed25519 when a key is given. ' +
        'Exits 3, naming each part on stderr, when part of the run cannot be decoded (wrong keys, missing payload). ' +
        'With --verify FILE: checks an exported trail and prints "verified N entries", or exits 1 naming the first ' +
        'bad entry and what is wrong with it; exits 2 when the file or key cannot be read.',
    )
    .argument('[run]', 'run id (the workflow id); with --verify, the run the trail must be of')
    .option('--hash-args', "write every tool's arguments as a sha256 instead of their value")
    .option('--signing-key <file>', 'sign the head with this Ed25519 private key (PEM) ($REINS_AUDIT_SIGNING_KEY)')
    .option('--verify <file>', 'verify an exported trail instead of printing one')
    .option('--public-key <file>', 'with --verify: the Ed25519 public key (PEM) the head must be signed with')
    .option('--against-history', "with --verify: also compare every entry with the run's Temporal history now")
    .action(run(() => (require('../actions/audit') as typeof Action).audit));
}
