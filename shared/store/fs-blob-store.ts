import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BlobStore } from './blob-store';

/**
 * Claim-checked payloads as files, `<dir>/<first two hex digits>/<key>`, private to the process's user. Other
 * machines read them only through a shared volume.
 */
export class FilesystemBlobStore implements BlobStore {
  readonly name = 'fs';
  readonly type = 'reins.filesystem';
  readonly shared = false;

  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), key);
  }

  async put(key: string, _run: string, bytes: Uint8Array): Promise<void> {
    const target = this.file(key);
    const exists = await fs.stat(target).then(
      () => true,
      () => false,
    );
    if (exists) return;
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const temp = `${target}.${process.pid}.${randomUUID()}.tmp`;
    await fs.writeFile(temp, bytes, { mode: 0o600 });
    await fs.rename(temp, target);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.readFile(this.file(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  describe(): string {
    return `the payload directory ${this.dir}`;
  }
}
