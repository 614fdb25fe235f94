import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const SUFFIX = '.expiry';

const ExpirySchema = z.strictObject({
  /** Relative to the data dir. */
  dir: z.string().min(1),
  releasedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});

/**
 * When a released run's claim-checked payload files expire, as the PostgreSQL store expires its blob rows: only files
 * last written before the release and its grace go. A later run with the same workflow id writes into the same
 * directory, and its payloads (a file stored again is touched) must outlive the earlier run's expiry. The expiry files
 * are `<dataDir>/retention/payloads-<run>.expiry`: beside the retention markers, under a name their sweep passes over.
 */
export class PayloadExpiry {
  private readonly dir: string;

  constructor(
    private readonly dataDir: string,
    private readonly graceMs: number,
  ) {
    this.dir = path.join(dataDir, 'retention');
  }

  async write(name: string, payloads: string, releasedAt: Date, expiresAt: Date): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, `payloads-${name}${SUFFIX}`);
    const temp = `${file}.${process.pid}.tmp`;
    const expiry = { dir: path.relative(this.dataDir, payloads), releasedAt: releasedAt.toISOString() };
    await fs.writeFile(temp, JSON.stringify({ ...expiry, expiresAt: expiresAt.toISOString() }));
    await fs.rename(temp, file);
  }

  /** Removes the expired runs' payload files; returns how many went. Unreadable expiry files are left alone. */
  async sweep(now: Date): Promise<number> {
    const entries = await fs.readdir(this.dir).catch(() => [] as string[]);
    let removed = 0;
    for (const entry of entries.filter((e) => e.endsWith(SUFFIX))) {
      const file = path.join(this.dir, entry);
      let expiry: z.infer<typeof ExpirySchema>;
      try {
        expiry = ExpirySchema.parse(JSON.parse(await fs.readFile(file, 'utf8')));
      } catch {
        continue;
      }
      if (Date.parse(expiry.expiresAt) > now.getTime()) continue;
      const target = path.resolve(this.dataDir, expiry.dir);
      const inside = path.relative(this.dataDir, target);
      // Only ever below the data dir, as retention markers.
      if (inside && !inside.startsWith('..') && !path.isAbsolute(inside)) {
        removed += await this.removeOlder(target, Date.parse(expiry.releasedAt) + this.graceMs);
      }
      await fs.rm(file, { force: true });
    }
    return removed;
  }

  private async removeOlder(dir: string, cutoffMs: number): Promise<number> {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const file = path.join(dir, name);
      const stat = await fs.lstat(file).catch(() => undefined);
      if (!stat?.isFile() || stat.mtimeMs > cutoffMs) continue;
      await fs.rm(file, { force: true });
      removed++;
    }
    // Left in place when a later run's payloads are in it.
    await fs.rmdir(dir).catch(() => undefined);
    return removed;
  }
}
