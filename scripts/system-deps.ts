import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findExecutable, isExecutableFile } from '../shared/executables';

const run = promisify(execFile);

/** A program the test suite needs from the operating system, and the Debian package that brings it. */
export interface SystemDependency {
  /** What a person reads in a message: `bubblewrap (bwrap)`. */
  label: string;
  debianPackage: string;
  /** Resolves to the executable's path when it is present. */
  find(): Promise<string | undefined>;
}

export const CHROMIUM_PATH = process.env.REINS_CHROMIUM ?? '/usr/bin/chromium';

const onPath = (name: string) => () => findExecutable(name, process.env.PATH ?? '');

export const BUBBLEWRAP: SystemDependency = {
  label: 'bubblewrap (bwrap)',
  debianPackage: 'bubblewrap',
  find: onPath('bwrap'),
};
export const CHROMIUM: SystemDependency = {
  label: `chromium (${CHROMIUM_PATH})`,
  debianPackage: 'chromium',
  find: async () => ((await isExecutableFile(CHROMIUM_PATH)) ? CHROMIUM_PATH : undefined),
};

/** The TLS connection tests put nginx in front of the dev server; Debian keeps it in /usr/sbin, often off a user's PATH. */
export const NGINX: SystemDependency = {
  label: 'nginx',
  debianPackage: 'nginx',
  find: async () =>
    (await findExecutable('nginx', process.env.PATH ?? '')) ??
    ((await isExecutableFile('/usr/sbin/nginx')) ? '/usr/sbin/nginx' : undefined),
};

/** Thrown when something is missing and this process may not install it: the message says what and how. */
export class MissingSystemDependencies extends Error {
  constructor(
    readonly missing: SystemDependency[],
    why: string,
  ) {
    const packages = [...new Set(missing.map((d) => d.debianPackage))].join(' ');
    super(
      `missing: ${missing.map((d) => d.label).join(', ')} (${why}). Install with:\n` +
        `  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages}`,
    );
    this.name = 'MissingSystemDependencies';
  }
}

/** How this process can run apt-get: directly as root, through passwordless sudo, or not at all. */
async function aptRunner(): Promise<string[] | undefined> {
  if (process.getuid?.() === 0) return [];
  if (!(await findExecutable('sudo', process.env.PATH ?? ''))) return undefined;
  try {
    await run('sudo', ['-n', 'true']);
    return ['sudo', '-n'];
  } catch {
    return undefined;
  }
}

let updated = false;

/** Installs Debian packages with apt-get, non-interactively; throws with apt's own words when that fails. */
export async function aptInstall(packages: string[], log: (line: string) => void): Promise<void> {
  const prefix = await aptRunner();
  if (!prefix) throw new Error('apt-get needs root or passwordless sudo');
  if (!(await findExecutable('apt-get', process.env.PATH ?? ''))) throw new Error('this system has no apt-get');
  const apt = async (args: string[]) => {
    const [command, ...rest] = [...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
    await run(command!, rest, { maxBuffer: 64 * 1024 * 1024 });
  };
  if (!updated) {
    log('apt-get update');
    await apt(['update', '-q']);
    updated = true;
  }
  log(`apt-get install ${packages.join(' ')} (takes a minute on a fresh machine)`);
  await apt(['install', '-y', '-q', '--no-install-recommends', ...packages]);
}

/**
 * Makes sure every dependency is present: installs what is missing through apt-get when this process may, and
 * otherwise stops at once with one message naming everything missing and the command that installs it.
 */
export async function ensureSystemDependencies(
  dependencies: SystemDependency[],
  log: (line: string) => void,
): Promise<void> {
  const missing: SystemDependency[] = [];
  for (const dependency of dependencies) if (!(await dependency.find())) missing.push(dependency);
  if (missing.length === 0) return;
  try {
    await aptInstall([...new Set(missing.map((d) => d.debianPackage))], log);
  } catch (error) {
    throw new MissingSystemDependencies(missing, `could not install them: ${(error as Error).message.split('\n')[0]}`);
  }
  const still: SystemDependency[] = [];
  for (const dependency of missing) if (!(await dependency.find())) still.push(dependency);
  if (still.length > 0) throw new MissingSystemDependencies(still, 'apt-get ran but they are still not found');
}
