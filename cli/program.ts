import { Command, CommanderError } from 'commander';
import { registerCodecServer } from './commands/codec-server';
import { registerConsole } from './commands/console';
import { registerAudit } from './commands/audit';
import { registerDecide } from './commands/decide';
import { registerList } from './commands/list';
import { registerPending } from './commands/pending';
import { registerPolicy } from './commands/policy';
import { registerResult } from './commands/result';
import { registerStart } from './commands/start';
import { registerStatus } from './commands/status';
import { registerUsage } from './commands/usage';
import { registerWatch } from './commands/watch';
import { registerWorker } from './commands/worker';
import { actionRunner, globalDefaults } from './context';
import { describeError, EXIT_USAGE, exitCodeOf } from './exit-codes';
import { loadEnvFile } from './env-file';
import { processIo, type CliIo } from './output';

const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  the run failed, ran out of budget or was cancelled; a decision or a policy apply was refused; the run did
     not answer; \`policy explain\` found rules a run would break
  2  the command could not be carried out as given: unknown command or option, missing or bad argument,
     bad --edit JSON, invalid agent file or policy file, a run the platform policy refuses, unknown run id,
     Temporal server unreachable at --address
  3  part of the run could not be decoded (wrong encryption keys, a claim-check file missing): what could be
     read is printed, and stderr names each part that could not

Connecting: as every Temporal tool does. A profile of the Temporal config file (--profile or $TEMPORAL_PROFILE, else
"default"; --config-file or $TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml), then TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH/_KEY_PATH (or _DATA),
TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME over it, then the flags over both. Nothing set:
localhost:7233, namespace "default", no TLS.

Environment: REINS_TASK_QUEUE, REINS_CONNECT_TIMEOUT (defaults of the global options), REINS_UI_URL (Temporal UI base
for links, default http://localhost:8233), REINS_POLICY_FILE (the platform policy runs are checked against before they
start). --env-file loads more from a file first; variables already set keep their values.`;

export function buildProgram(io: CliIo, exit: { code: number }): Command {
  const defaults = globalDefaults(io.env);
  const program = new Command('reins');
  program
    .description('Start, inspect and govern durable AI agent runs on Temporal.')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    // Commander would exit the process itself; the CLI maps its errors to exit code 2 instead.
    .exitOverride()
    .showHelpAfterError('(run `reins --help` or `reins <command> --help` for usage)')
    .option('--address <host:port>', 'Temporal frontend address ($TEMPORAL_ADDRESS, else localhost:7233)')
    .option('--namespace <name>', 'Temporal namespace ($TEMPORAL_NAMESPACE, else default)')
    .option(
      '--api-key <key>',
      'API key, sent as a bearer token; turns TLS on ($TEMPORAL_API_KEY, which ps cannot show)',
    )
    .option('--tls', 'connect with TLS ($TEMPORAL_TLS); on when a TLS file or an API key is given')
    .option('--no-tls', 'connect without TLS, whatever the profile says')
    .option('--tls-cert-path <file>', 'client certificate for mTLS, PEM ($TEMPORAL_TLS_CLIENT_CERT_PATH)')
    .option('--tls-key-path <file>', 'private key of the client certificate, PEM ($TEMPORAL_TLS_CLIENT_KEY_PATH)')
    .option('--tls-ca-path <file>', "CA that signed the server's certificate, PEM ($TEMPORAL_TLS_SERVER_CA_CERT_PATH)")
    .option('--tls-server-name <name>', "name the server's certificate is checked against ($TEMPORAL_TLS_SERVER_NAME)")
    .option(
      '--tls-disable-host-verification',
      'refused: the TypeScript SDK always verifies the host; use --tls-server-name',
    )
    .option('--profile <name>', 'profile of the Temporal config file ($TEMPORAL_PROFILE, else default)')
    .option('--config-file <file>', 'Temporal config file, TOML ($TEMPORAL_CONFIG_FILE)')
    .option('--env-file <file>', 'dotenv-style file of variables, read before anything else')
    .option('--task-queue <name>', 'task queue of the runs and workers ($REINS_TASK_QUEUE)', defaults.taskQueue)
    .option(
      '--connect-timeout <duration>',
      'how long to try reaching the Temporal server before giving up ($REINS_CONNECT_TIMEOUT)',
      defaults.connectTimeout,
    )
    .option('--json', 'print results as JSON (for scripts); errors as JSON on stderr')
    .addHelpText('after', EXIT_CODES_HELP);

  const run = actionRunner(io, exit);
  registerWorker(program, run);
  registerStart(program, run);
  registerStatus(program, run);
  registerDecide(program, run);
  registerResult(program, run);
  registerList(program, run);
  registerPending(program, run);
  registerWatch(program, run);
  registerAudit(program, run);
  registerUsage(program, run);
  registerPolicy(program, run);
  registerCodecServer(program, run);
  registerConsole(program, run);
  return program;
}

/** Runs the CLI on `argv` (as process.argv) and resolves to the exit code; never exits the process itself. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const exit = { code: 0 };
  try {
    // Before the program is built: its defaults (REINS_TASK_QUEUE...) come from the environment.
    loadEnvFile(argv, io.env);
  } catch (error) {
    io.stderr(`reins: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  const program = buildProgram(io, exit);
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv);
    return exit.code;
  } catch (error) {
    if (!(error instanceof CommanderError)) {
      const { type, message } = describeError(error);
      io.stderr(argv.includes('--json') ? `${JSON.stringify({ error: { type, message } })}\n` : `reins: ${message}\n`);
    }
    return exitCodeOf(error);
  }
}
