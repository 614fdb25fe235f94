import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { z } from 'zod';
import { isTransientStoreError, retryTransient } from '../../shared/store/postgres/transient-errors';
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
  /** Whether this worker's copy is the only one: its last archive was too large to store. */
  holdsOnlyCopy(key: string): Promise<boolean>;
}

/** A workspace whose latest snapshot was too large to keep, or cannot be read: its files are not on this worker. */
export class WorkspaceUnavailableError extends Error {
  override name = 'WorkspaceUnavailableError';
}

/** Archives above this are not stored: a workspace that large should live on a volume, not in a database row. */
export const DEFAULT_SNAPSHOT_MAX_BYTES = 64 * 1024 * 1024;

const LocalStateSchema = z.object({ generation: z.number().int().nonnegative(), digest: z.string().nullable() });
type LocalState = z.infer<typeof LocalStateSchema>;

/** How often a pull or push asks the store again after a dropped connection or a failover, and the first pause. */
const PULL_ATTEMPTS = 3;
const PULL_BACKOFF_MS = 200;

async function archive(dir: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Portable: no owner, group or device numbers, so the same files archive to the same bytes on any worker.
  // Links are archived as links, never followed (one pointing out of the workspace would copy what it points at), and
  // only files, directories and links are archived: reading a FIFO the sandbox made would never end.
  const stream = tar.create(
    {
      gzip: true,
      cwd: dir,
      portable: true,
      noMtime: false,
      follow: false,
      filter: (_path, stat) => !('isFIFO' in stat) || stat.isFile() || stat.isDirectory() || stat.isSymbolicLink(),
    },
    ['.'],
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A link's place in the workspace, checked: relative, without `..`, so creating it writes inside `root`. */
function linkPlace(root: string, entryPath: string): string | undefined {
  const parts = entryPath.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0 || parts.includes('..') || path.isAbsolute(entryPath)) return undefined;
  return path.join(root, ...parts);
}

/**
 * Unpacks `body` into the empty directory `root`. Links are made last, as they were archived (a link may point
 * anywhere, as it did on the worker that pushed it): no file of the archive can be written through one, and a link
 * whose directory is itself a link is not made. Entry paths node-tar refuses (absolute, `..`) fail the restore.
 */
async function unpack(body: Buffer, root: string): Promise<void> {
  const links: Array<{ at: string; target: string }> = [];
  const kept = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'Link']);
  let refused: string | undefined;
  await pipeline(
    Readable.from(body),
    tar.extract({
      cwd: root,
      strict: true,
      // Files belong to the worker (then to the sandbox account, `handWorkspaceTo`), never to an archived owner.
      preserveOwner: false,
      filter: (entryPath, entry) => {
        const type = 'type' in entry ? entry.type : undefined;
        // No set-id or sticky bits: restored by a root worker, a sandbox's setuid file would run as root.
        if ('type' in entry && typeof entry.mode === 'number') entry.mode &= 0o777;
        if (type === 'SymbolicLink') {
          const at = linkPlace(root, entryPath);
          if (at) links.push({ at, target: String((entry as { linkpath?: string }).linkpath ?? '') });
          else refused ??= entryPath;
          return false;
        }
        return type !== undefined && kept.has(type);
      },
    }),
  );
  if (refused !== undefined) throw new Error(`the archive has a link outside the workspace (${refused})`);
  const realRoot = await fs.realpath(root);
  for (const link of links) {
    const parent = await fs.realpath(path.dirname(link.at)).catch(() => undefined);
    if (parent === undefined || (parent !== realRoot && !parent.startsWith(realRoot + path.sep))) continue;
    // A file or directory the archive also has at this place wins; an earlier link there is replaced.
    const there = await fs.lstat(link.at).catch(() => undefined);
    if (there && !there.isSymbolicLink()) continue;
    if (there) await fs.unlink(link.at);
    await fs.symlink(link.target, link.at);
  }
}

/** `work`, asked again a few times when the store's failure is one a moment later may not share. */
const withRetries = <T>(work: () => Promise<T>) =>
  retryTransient(work, { attempts: PULL_ATTEMPTS, backoffMs: PULL_BACKOFF_MS });

const exists = (target: string) =>
  fs.stat(target).then(
    () => true,
    () => false,
  );

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
      const latest = await withRetries(() => this.snapshots.latest(key, run));
      if (!latest) return;
      const mine = await this.localState(key);
      // The copy is current only while it is there: a retention sweep may have removed it since.
      if (mine?.generation === latest.generation && (await exists(dir))) return;
      if (latest.digest === null) {
        throw new WorkspaceUnavailableError(
          `the workspace's files (${Math.ceil(latest.bytes / 1048576)} MB archived) were too large to keep in the ` +
            'store and are not on this worker',
        );
      }
      let body: Buffer | undefined;
      try {
        body = await withRetries(() => this.snapshots.read(key, latest.generation));
      } catch (error) {
        // Still failing after the retries: the activity's own retry policy takes over.
        if (isTransientStoreError(error)) throw error;
        // A record that does not open (another key, moved, damaged) stays so: no retry of the activity helps.
        throw unavailable(latest.generation, error);
      }
      // Replaced since `latest` was read: the next call pulls the newer one.
      if (!body) return;
      if (createHash('sha256').update(body).digest('hex') !== latest.digest) {
        throw unavailable(latest.generation, new Error('its archive does not match its digest'));
      }
      try {
        await this.restore(body, dir);
      } catch (error) {
        throw unavailable(latest.generation, error);
      }
      await this.remember(key, { generation: latest.generation, digest: latest.digest });
    });
  }

  async holdsOnlyCopy(key: string): Promise<boolean> {
    return (await this.localState(key))?.digest === null;
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
      // Asked again after a dropped connection too: the call has acted by now, and an activity retry would find its
      // ledger entry started and report the outcome unknown. A write is one transaction, so a retried one is whole.
      const generation = await withRetries(() =>
        body.length > this.maxBytes
          ? this.snapshots.write(key, run, after, { digest: null, bytes: body.length })
          : this.snapshots.write(key, run, after, { digest, body }),
      );
      await this.remember(key, { generation, digest: body.length > this.maxBytes ? null : digest });
    });
  }

  /**
   * Unpacks into a fresh directory beside `dir`, then swaps it in (the old copy is moved aside, not removed first), so
   * a failed restore leaves the old copy as it was and never a half-restored one.
   */
  private async restore(body: Buffer, dir: string): Promise<void> {
    const temp = `${dir}.restore-${randomUUID()}`;
    const old = `${dir}.replaced-${randomUUID()}`;
    await fs.mkdir(temp, { recursive: true, mode: 0o700 });
    try {
      await unpack(body, temp);
      await fs.chmod(temp, 0o755);
    } catch (error) {
      await fs.rm(temp, { recursive: true, force: true });
      throw error;
    }
    const hadCopy = await fs.rename(dir, old).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    try {
      await fs.rename(temp, dir);
    } catch (error) {
      if (hadCopy) await fs.rename(old, dir).catch(() => undefined);
      await fs.rm(temp, { recursive: true, force: true });
      throw error;
    }
    if (hadCopy) await fs.rm(old, { recursive: true, force: true });
  }
}

function unavailable(generation: number, cause: unknown): WorkspaceUnavailableError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new WorkspaceUnavailableError(
    `the workspace's latest snapshot (generation ${generation}) cannot be restored on this worker: ${reason}`,
  );
}
