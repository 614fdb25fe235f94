import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BlobStore } from './blob-store';
import { runDirectoryName } from './directory-name';

/**
 * Claim-checked payloads as files, `<dir>/runs/<run>/<key>` (`<dir>/<first two hex digits>/<key>` for payloads of
 * no known run, and for those written before payloads were kept per run), private to the process's user, so a run's
 * payloads can be removed with it. Other machines read them only through a shared volume.
 */
export class FilesystemBlobStore implements BlobStore {
  readonly name = 'fs';
  readonly type = 'reins.filesystem';
  readonly shared = false;

  constructor(private readonly dir: string) {}

  private file(key: string, run: string): string {
    return run ? path.join(this.runDir(run), key) : path.join(this.dir, key.slice(0, 2), key);
  }

  /** Where a run's payloads are: removing this directory removes them. */
  runDir(run: string): string {
    return path.join(this.dir, 'runs', runDirectoryName(run));
  }

  async put(key: string, run: string, bytes: Uint8Array): Promise<void> {
    const target = this.file(key, run);
    const exists = await fs.stat(target).then(
      () => true,
      () => false,
    );
    // Stored again (a retried activity, the same payload for a reused workflow id): referenced anew, so an expiry
    // counting from an earlier release keeps it (fs-payload-expiry.ts reads the time).
    if (exists) {
      const now = new Date();
      await fs.utimes(target, now, now).catch(() => undefined);
      return;
    }
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const temp = `${target}.${process.pid}.${randomUUID()}.tmp`;
    await fs.writeFile(temp, bytes, { mode: 0o600 });
    await fs.rename(temp, target);
  }

  async get(key: string, run: string): Promise<Uint8Array | undefined> {
    for (const file of run ? [this.file(key, run), this.file(key, '')] : [this.file(key, '')]) {
      try {
        return await fs.readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return undefined;
  }

  describe(): string {
    return `the payload directory ${this.dir}`;
  }
}
