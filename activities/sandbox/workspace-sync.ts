import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { z } from 'zod';
import type { WorkspaceSnapshots } from '../store/run-state-store';
import { runDirectoryName } from '../tools/workspace';

/**
 * How a workspace follows its run from worker to worker. The filesystem store needs none (the workspace is on the
 * worker's disk, or a volume the workers share); a store other machines reach keeps each workspace's latest archive.
 */
export interface WorkspaceSync {
  /** Before a call: makes `dir` the workspace's latest snapshot, unless this worker's copy already is. */
  pull(key: string, run: string | null, dir: string): Promise<void>;
  /** After a call that may have written: stores `dir` as the workspace's new snapshot, if its content changed. */
  push(key: string, run: string | null, dir: string): Promise<void>;
}

/** A workspace whose latest snapshot was too large to keep, or cannot be read: its files are not on this worker. */
export class WorkspaceUnavailableError extends Error {
  override name = 'WorkspaceUnavailableError';
}

/** Archives above this are not stored: a workspace that large should live on a volume, not in a database row. */
export const DEFAULT_SNAPSHOT_MAX_BYTES = 64 * 1024 * 1024;

const LocalStateSchema = z.object({ generation: z.number().int().nonnegative(), digest: z.string().nullable() });
type LocalState = z.infer<typeof LocalStateSchema>;

async function archive(dir: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Portable: no owner, group or device numbers, so the same files archive to the same bytes on any worker.
  const stream = tar.create({ gzip: true, cwd: dir, portable: true, noMtime: false }, ['.']);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Workspaces as snapshots in the store: after each call that may write, the workspace is archived (tar, gzip) and
 * stored if its digest changed; before each call, a worker whose copy is older than the latest snapshot replaces it.
 * When a run's calls stay on one worker, a call costs one small query before it and one archive of the workspace
 * after a write. What this worker last pulled or pushed is kept beside the workspaces, so a restarted worker with
 * its disk still knows which copies are current.
 */
export class SnapshotWorkspaceSync implements WorkspaceSync {
  private readonly local = new Map<string, LocalState>();
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(
    private readonly snapshots: WorkspaceSnapshots,
    private readonly stateDir: string,
    private readonly maxBytes: number = DEFAULT_SNAPSHOT_MAX_BYTES,
  ) {}

  /** One operation per workspace at a time in this process (an agent workspace shared by concurrent runs). */
  private serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.busy.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.busy.set(key, settled);
    void settled.then(() => {
      if (this.busy.get(key) === settled) this.busy.delete(key);
    });
    return next;
  }

  private stateFile(key: string): string {
    return path.join(this.stateDir, `${runDirectoryName(key)}.json`);
  }

  private async localState(key: string): Promise<LocalState | undefined> {
    const known = this.local.get(key);
    if (known) return known;
    try {
      const state = LocalStateSchema.parse(JSON.parse(await fs.readFile(this.stateFile(key), 'utf8')));
      this.local.set(key, state);
      return state;
    } catch {
      return undefined;
    }
  }

  private async remember(key: string, state: LocalState): Promise<void> {
    this.local.set(key, state);
    await fs.mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const temp = `${this.stateFile(key)}.${randomUUID()}.tmp`;
    await fs.writeFile(temp, JSON.stringify(state), { mode: 0o600 });
    await fs.rename(temp, this.stateFile(key));
  }

  pull(key: string, run: string | null, dir: string): Promise<void> {
    return this.serial(key, async () => {
      const latest = await this.snapshots.latest(key, run);
      if (!latest) return;
      const mine = await this.localState(key);
      if (mine?.generation === latest.generation) return;
      if (latest.digest === null) {
        throw new WorkspaceUnavailableError(
          `the workspace's files (${Math.ceil(latest.bytes / 1048576)} MB archived) were too large to keep in the ` +
            'store and are not on this worker',
        );
      }
      const body = await this.snapshots.read(key, latest.generation);
      // Replaced since `latest` was read: the next call pulls the newer one.
      if (!body) return;
      await this.restore(body, dir);
      await this.remember(key, { generation: latest.generation, digest: latest.digest });
    });
  }

  push(key: string, run: string | null, dir: string): Promise<void> {
    return this.serial(key, async () => {
      const exists = await fs.stat(dir).then(
        (stats) => stats.isDirectory(),
        () => false,
      );
      if (!exists) return;
      const body = await archive(dir);
      const digest = createHash('sha256').update(body).digest('hex');
      const mine = await this.localState(key);
      if (mine?.digest === digest) return;
      const after = mine?.generation ?? 0;
      const generation =
        body.length > this.maxBytes
          ? await this.snapshots.write(key, run, after, { digest: null, bytes: body.length })
          : await this.snapshots.write(key, run, after, { digest, body });
      await this.remember(key, { generation, digest: body.length > this.maxBytes ? null : digest });
    });
  }

  /** Unpacks into a fresh directory beside `dir`, then swaps it in, so a failed restore leaves the old copy. */
  private async restore(body: Buffer, dir: string): Promise<void> {
    const temp = `${dir}.restore-${randomUUID()}`;
    await fs.mkdir(temp, { recursive: true, mode: 0o700 });
    try {
      // node-tar refuses absolute paths and `..` entries unless told otherwise: nothing lands outside `temp`.
      await pipeline(Readable.from(body), tar.extract({ cwd: temp, strict: true }));
      await fs.chmod(temp, 0o755);
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rename(temp, dir);
    } catch (error) {
      await fs.rm(temp, { recursive: true, force: true });
      throw error;
    }
  }
}
