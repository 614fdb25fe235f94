import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SecretSource } from './secret-resolver';

/** A secrets directory entry that other users could read: the worker refuses to use it. */
export class SecretFilePermissionError extends Error {
  override name = 'SecretFilePermissionError';
  constructor(
    readonly file: string,
    readonly mode: number,
  ) {
    super(
      `secret file ${file} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}, which lets group or others read ` +
        `it; run chmod 600 on it (or 400)`,
    );
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Secrets as files in a directory, one per secret and named by it (the layout of Docker and Kubernetes secret mounts).
 * Files are read on every lookup, so a rotated secret takes effect without a restart. A trailing newline is dropped.
 */
export function directorySecretSource(dir: string): SecretSource {
  const root = path.resolve(dir);
  const read = (name: string): string | undefined => {
    if (!NAME.test(name)) return undefined;
    const file = path.join(root, name);
    let stat;
    try {
      stat = statSync(file);
    } catch {
      return undefined;
    }
    if (!stat.isFile()) return undefined;
    if ((stat.mode & 0o077) !== 0) throw new SecretFilePermissionError(file, stat.mode);
    const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    return value === '' ? undefined : value;
  };
  return {
    get: read,
    entries: () =>
      readdirSync(root).flatMap((name) => {
        const value = read(name);
        return value === undefined ? [] : [{ name, value }];
      }),
    describe: () => `the secrets directory ${root}`,
  };
}

/** Checks at start-up that the directory exists and every secret in it is private, so a bad mount fails early. */
export function checkSecretDirectory(dir: string): void {
  directorySecretSource(dir).entries?.();
}
