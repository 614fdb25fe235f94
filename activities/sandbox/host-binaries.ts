import { execFile } from 'node:child_process';
import path from 'node:path';
import { findExecutable } from '../../shared/executables';

/** The PATH sandboxed code sees; the same directories exist on the host because /usr is bound read-only. */
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';

/** Where the worker looks for bwrap and prlimit: its own PATH, then the usual system directories. */
export function hostSearchPath(): string {
  return [process.env.PATH ?? '', SANDBOX_PATH].filter(Boolean).join(path.delimiter);
}

export interface Bubblewrap {
  path: string;
  /** [major, minor, patch]; flags newer than the installed version are left out. */
  version: [number, number, number];
}

const bubblewrapCache = new Map<string, Promise<Bubblewrap | undefined>>();

function parseVersion(text: string): [number, number, number] {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : [0, 0, 0];
}

/** bwrap on this host. A hit is remembered; a miss is not, so installing bubblewrap needs no worker restart. */
export function findBubblewrap(searchPath = hostSearchPath()): Promise<Bubblewrap | undefined> {
  let found = bubblewrapCache.get(searchPath);
  if (!found) {
    found = (async () => {
      const binary = await findExecutable('bwrap', searchPath);
      if (!binary) {
        bubblewrapCache.delete(searchPath);
        return undefined;
      }
      const output = await new Promise<string>((resolve) => {
        execFile(binary, ['--version'], { timeout: 10_000 }, (_error, stdout) => resolve(String(stdout)));
      });
      return { path: binary, version: parseVersion(output) };
    })();
    bubblewrapCache.set(searchPath, found);
  }
  return found;
}

export function versionAtLeast(version: readonly number[], wanted: readonly number[]): boolean {
  for (let i = 0; i < wanted.length; i++) {
    const have = version[i] ?? 0;
    const want = wanted[i] ?? 0;
    if (have !== want) return have > want;
  }
  return true;
}
