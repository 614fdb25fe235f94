import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** What happens to a run's workspace once the run is over. */
export type WorkspaceRetention = { kind: 'delete' } | { kind: 'keep' } | { kind: 'expire'; afterMs: number };

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `delete`, `keep`, or a duration such as `90m`, `24h`, `7d` after which the workspace is removed. */
export const WorkspaceRetentionSchema = z
  .string()
  .trim()
  .transform((text, ctx): WorkspaceRetention => {
    if (text === 'delete' || text === 'keep') return { kind: text };
    const match = /^(\d+)\s*(s|m|h|d)$/.exec(text);
    const amount = match ? Number(match[1]) : 0;
    if (!match || amount <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is not a retention: use delete, keep, or a duration like 30m, 24h or 7d`,
      });
      return z.NEVER;
    }
    return { kind: 'expire', afterMs: amount * UNIT_MS[match[2] as keyof typeof UNIT_MS] };
  });

/** Long enough to look at what a run left behind, short enough that disks do not fill up with old runs. */
export const DEFAULT_WORKSPACE_RETENTION: WorkspaceRetention = { kind: 'expire', afterMs: 24 * UNIT_MS.h };

const MarkerSchema = z.strictObject({
  expiresAt: z.iso.datetime(),
  /** Relative to the data dir. */
  paths: z.array(z.string().min(1)),
});

/**
 * Expiry markers live in `<dataDir>/retention/`, outside every workspace, so code running in a workspace cannot
 * touch them; one marker per released run names the directories to remove and when.
 */
export class RetentionMarkers {
  readonly dir: string;

  constructor(
    private readonly dataDir: string,
    folder = 'retention',
  ) {
    this.dir = path.join(dataDir, folder);
  }

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  async write(name: string, expiresAt: Date, paths: string[]): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const marker = { expiresAt: expiresAt.toISOString(), paths: paths.map((p) => path.relative(this.dataDir, p)) };
    const temp = `${this.file(name)}.${process.pid}.tmp`;
    await fs.writeFile(temp, JSON.stringify(marker));
    await fs.rename(temp, this.file(name));
  }

  /** A workspace in use again (a workflow id reused) must not expire under its new run. */
  async clear(name: string): Promise<void> {
    await fs.rm(this.file(name), { force: true });
  }

  /** Removes everything whose time has come; returns the marker names it handled. Bad markers are left alone. */
  async sweep(now: Date): Promise<string[]> {
    const entries = await fs.readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const removed: string[] = [];
    for (const entry of entries.filter((e) => e.endsWith('.json'))) {
      const file = path.join(this.dir, entry);
      let marker: z.infer<typeof MarkerSchema>;
      try {
        marker = MarkerSchema.parse(JSON.parse(await fs.readFile(file, 'utf8')));
      } catch {
        continue;
      }
      if (Date.parse(marker.expiresAt) > now.getTime()) continue;
      for (const relative of marker.paths) {
        const target = path.resolve(this.dataDir, relative);
        const inside = path.relative(this.dataDir, target);
        // A marker only ever names directories below the data dir; anything else is not ours to delete.
        if (!inside || inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) continue;
        await fs.rm(target, { recursive: true, force: true });
      }
      await fs.rm(file, { force: true });
      removed.push(entry.slice(0, -'.json'.length));
    }
    return removed;
  }
}
