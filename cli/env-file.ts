import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/** `--env-file <file>` or `--env-file=<file>` anywhere before `--` (commander parses it again, for --help). */
function envFileArgument(argv: string[]): string | undefined {
  let file: string | undefined;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '--env-file') file = argv[++i];
    else if (arg.startsWith('--env-file=')) file = arg.slice('--env-file='.length);
  }
  return file;
}

/**
 * Reads the dotenv-style file `--env-file` names into `env`, before anything reads the environment. Variables already
 * set keep their values, as with `node --env-file`: the shell's word is the more deliberate one.
 */
export function loadEnvFile(argv: string[], env: NodeJS.ProcessEnv): void {
  const file = envFileArgument(argv);
  if (file === undefined) return;
  if (file === '' || file.startsWith('-')) throw new Error('--env-file: must name a file');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`--env-file: cannot read ${file}: ${(error as Error).message}`);
  }
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined) env[name] = value;
  }
}
