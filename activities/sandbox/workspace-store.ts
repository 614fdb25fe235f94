import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ensureDirectory, runDirectoryName } from '../tools/workspace';
import type { SandboxUser } from './settings';
import { handWorkspaceTo, letTraverse } from './workspace-access';
import { DEFAULT_WORKSPACE_RETENTION, RetentionMarkers, type WorkspaceRetention } from './workspace-retention';
import type { RunStateStore } from '../store/run-state-store';
import { FilesystemRunStateStore } from '../store/fs-run-state-store';
import { RecordSeal } from '../../shared/store/record-seal';
import type { WorkspaceSync } from './workspace-sync';

/** The same rule as agent names in specs: safe as a directory name as it is. */
const AgentNameSchema = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/, 'not a valid agent name');

/** Which workspace a tool call uses, as the workflow sends it. */
export const WorkspaceSelectionSchema = z
  .object({
    workspace: z.enum(['run', 'agent']).default('run'),
    agent: AgentNameSchema.optional(),
  })
  .refine((selection) => selection.workspace === 'run' || selection.agent !== undefined, {
    message: 'workspace "agent" needs the agent name',
    path: ['agent'],
  });
export type WorkspaceSelection = z.infer<typeof WorkspaceSelectionSchema>;

export interface ReleaseOutcome {
  workspace: string;
  action: 'deleted' | 'kept' | 'expires';
  expiresAt?: string;
}

/** Sweeping on release keeps a long-lived worker's disk in check without a timer of its own. */
const SWEEP_EVERY_MS = 10 * 60_000;

/** How long an unused copy of a shared-store workspace stays when the retention is `keep` or `delete`. */
const COPY_IDLE_MS = 24 * 3_600_000;

/** The shortest time a finished run's payloads stay, whatever the setting: long enough to read the run's result. */
const MIN_PAYLOAD_RETENTION_MS = 10 * 60_000;

/** How long a finished run's claim-checked payloads stay by default: Temporal Cloud's default history retention. */
export const DEFAULT_PAYLOAD_RETENTION: WorkspaceRetention = { kind: 'expire', afterMs: 30 * 86_400_000 };

/**
 * Workspaces on this worker's disk: `workspaces/<run>` for one run (the default), `agent-workspaces/<agent>` for
 * an agent's files that outlive its runs. Run workspaces are released at run end per the retention setting, with
 * the run's state in the run state store. With a store other machines share, `sync` makes the disk copy a cache of
 * the workspace's latest snapshot there (see workspace-sync.ts).
 */
export class WorkspaceStore {
  private readonly markers: RetentionMarkers;
  /** Copies this worker restored or wrote for a store other machines share: kept while used, then the store's. */
  private readonly copies: RetentionMarkers;
  private prepared: Promise<void> | undefined;
  private lastSweep = 0;

  /** Conversations, call ledgers and retention of runs; files under the data dir unless another store is given. */
  readonly state: RunStateStore;

  constructor(
    readonly dataDir: string,
    private readonly options: {
      state?: RunStateStore;
      retention?: WorkspaceRetention;
      payloadRetention?: WorkspaceRetention;
      sandboxUser?: SandboxUser;
      sync?: WorkspaceSync;
    } = {},
  ) {
    this.markers = new RetentionMarkers(dataDir);
    this.copies = new RetentionMarkers(dataDir, 'copy-retention');
    this.state = options.state ?? new FilesystemRunStateStore(dataDir, new RecordSeal(undefined));
  }

  get sync(): WorkspaceSync | undefined {
    return this.options.sync;
  }

  /** The workspace's name in the store: `run/<workflow id>` or `agent/<name>`. */
  keyOf(runId: string, selection: WorkspaceSelection): string {
    return selection.workspace === 'agent' ? `agent/${selection.agent!}` : `run/${runId}`;
  }

  get retention(): WorkspaceRetention {
    return this.options.retention ?? DEFAULT_WORKSPACE_RETENTION;
  }

  runWorkspace(runId: string): string {
    return path.join(this.dataDir, 'workspaces', runDirectoryName(runId));
  }

  pathOf(runId: string, selection: WorkspaceSelection): string {
    return selection.workspace === 'agent'
      ? path.join(this.dataDir, 'agent-workspaces', selection.agent!)
      : this.runWorkspace(runId);
  }

  /**
   * Once per process: with a sandbox account, the data dir becomes traversable (not listable) by it, and the
   * ledger and conversations, which hold tool outputs and prompts, stay private to the worker.
   */
  private prepare(): Promise<void> {
    const user = this.options.sandboxUser;
    this.prepared ??= (async () => {
      if (!user) return;
      await ensureDirectory(this.dataDir);
      await letTraverse(this.dataDir);
      for (const dir of ['workspaces', 'agent-workspaces']) {
        await fs.mkdir(path.join(this.dataDir, dir), { recursive: true, mode: 0o711 });
        await letTraverse(path.join(this.dataDir, dir));
      }
      for (const dir of ['ledger', 'conversations']) {
        await fs.mkdir(path.join(this.dataDir, dir), { recursive: true, mode: 0o700 });
        await fs.chmod(path.join(this.dataDir, dir), 0o700);
      }
    })().catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }

  /** The workspace for a call, created if needed and usable by the sandbox; returns its real path. */
  async open(runId: string, selection: WorkspaceSelection): Promise<string> {
    await this.prepare();
    const local = this.pathOf(runId, selection);
    // Restored before it is handed to the sandbox, so restored files get the sandbox's ownership too.
    if (this.options.sync)
      await this.options.sync.pull(this.keyOf(runId, selection), this.runOf(runId, selection), local);
    const workspace = await ensureDirectory(local);
    if (this.options.sandboxUser) await handWorkspaceTo(workspace, this.options.sandboxUser);
    if (selection.workspace === 'run') await this.markers.clear(runDirectoryName(runId));
    await this.touchCopy(runId, selection);
    return workspace;
  }

  /**
   * With a shared store, a worker's copy of a workspace is a cache of its snapshot: only the worker that releases a
   * run removes its copy at run end, so every other copy (and every agent workspace's) expires once it has not been
   * used for the workspace retention (24 h when that is `keep` or `delete`); a later call here restores it. A copy
   * whose archive was too large to store is the only one and is never expired this way.
   */
  private async touchCopy(runId: string, selection: WorkspaceSelection): Promise<void> {
    const sync = this.options.sync;
    if (!sync) return;
    const key = this.keyOf(runId, selection);
    const name = runDirectoryName(key);
    if (await sync.holdsOnlyCopy(key)) return this.copies.clear(name);
    const retention = this.retention;
    const idleMs = retention.kind === 'expire' ? retention.afterMs : COPY_IDLE_MS;
    await this.copies.write(name, new Date(Date.now() + idleMs), [this.pathOf(runId, selection)]);
  }

  /** After a call that may have written: the workspace's new content goes to the store (a no-op without sync). */
  async written(runId: string, selection: WorkspaceSelection): Promise<void> {
    if (!this.options.sync) return;
    await this.options.sync.push(
      this.keyOf(runId, selection),
      this.runOf(runId, selection),
      this.pathOf(runId, selection),
    );
    await this.touchCopy(runId, selection);
  }

  private runOf(runId: string, selection: WorkspaceSelection): string | null {
    return selection.workspace === 'run' ? runId : null;
  }

  /** Run end. Agent workspaces are kept: persisting across runs is what they are for. */
  async release(runId: string, selection: WorkspaceSelection, now = new Date()): Promise<ReleaseOutcome> {
    const workspace = this.pathOf(runId, selection);
    const retention = this.retention;
    let outcome: ReleaseOutcome;
    // What happens to this worker's copy of a run's workspace is now the release's to say.
    if (selection.workspace === 'run') await this.copies.clear(runDirectoryName(this.keyOf(runId, selection)));
    if (selection.workspace === 'agent' || retention.kind === 'keep') {
      outcome = { workspace, action: 'kept' };
    } else if (retention.kind === 'delete') {
      await fs.rm(workspace, { recursive: true, force: true });
      outcome = { workspace, action: 'deleted' };
    } else {
      const expiresAt = new Date(now.getTime() + retention.afterMs);
      await this.markers.write(runDirectoryName(runId), expiresAt, [workspace]);
      outcome = { workspace, action: 'expires', expiresAt: expiresAt.toISOString() };
    }
    const afterMs = (r: WorkspaceRetention) => (r.kind === 'keep' ? null : r.kind === 'delete' ? 0 : r.afterMs);
    // The run's conversations, ledger and snapshot follow its workspace's retention; its payloads their own.
    // Payloads stay at least a while: the run's result is stored as its workflow completes, after this release, and
    // its caller reads it then.
    const payloadsAfterMs = afterMs(this.options.payloadRetention ?? DEFAULT_PAYLOAD_RETENTION);
    await this.state.release(runId, {
      stateAfterMs: afterMs(retention),
      payloadsAfterMs: payloadsAfterMs === null ? null : Math.max(payloadsAfterMs, MIN_PAYLOAD_RETENTION_MS),
    });
    if (now.getTime() - this.lastSweep >= SWEEP_EVERY_MS) await this.sweep(now);
    return outcome;
  }

  /** Removes released workspaces whose retention has passed; run at worker start and now and then on release. */
  async sweep(now = new Date()): Promise<string[]> {
    this.lastSweep = now.getTime();
    const removed = [...(await this.markers.sweep(now)), ...(await this.copies.sweep(now))];
    await this.state.sweep(now);
    return removed;
  }
}
