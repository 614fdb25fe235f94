import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RecordSeal } from '../../shared/store/record-seal';
import { runDirectoryName } from '../tools/workspace';
import type { ConversationRecords, LedgerRecords, RunRelease, RunStateStore } from './run-state-store';
import { LedgerEntrySchema } from './run-state-store';
import { RetentionMarkers } from '../sandbox/workspace-retention';
import { PayloadExpiry } from './fs-payload-expiry';
import { RESULT_GRACE_MINUTES } from './run-state-store';

async function readIfThere(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Written under a temporary name and renamed, private to the worker's user. */
async function writeFileAtomically(file: string, content: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Replicas sharing a volume can have the same pid; the random part keeps concurrent writers apart.
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await fs.writeFile(temp, content, { mode: 0o600 });
  await fs.rename(temp, file);
}

/**
 * Run state as files under the worker's data dir (`conversations/<run>/<conversation>/<n>`, `ledger/<run>/<call>`),
 * sealed with the payload keys when they are set. Other machines see it only through a shared volume; released runs
 * expire through retention markers, as workspaces do.
 */
export class FilesystemRunStateStore implements RunStateStore {
  readonly kind = 'fs';
  private readonly markers: RetentionMarkers;
  private readonly payloadExpiry: PayloadExpiry;

  constructor(
    readonly dataDir: string,
    private readonly seal: RecordSeal,
    /** The claim-check directory: a run's payloads expire with it when it is inside the data dir. */
    private readonly payloadDir: string = path.join(dataDir, 'payloads'),
  ) {
    this.markers = new RetentionMarkers(dataDir);
    this.payloadExpiry = new PayloadExpiry(dataDir, RESULT_GRACE_MINUTES * 60_000);
  }

  private conversationDir(run: string, conversation: string): string {
    return path.join(this.dataDir, 'conversations', runDirectoryName(run), runDirectoryName(conversation));
  }

  ledgerDir(run: string): string {
    return path.join(this.dataDir, 'ledger', runDirectoryName(run));
  }

  private async put(file: string, text: string): Promise<void> {
    await writeFileAtomically(file, this.seal.seal(Buffer.from(text), path.relative(this.dataDir, file)));
  }

  private async get(file: string): Promise<string | undefined> {
    const bytes = await readIfThere(file);
    return bytes && this.seal.open(bytes, path.relative(this.dataDir, file)).toString('utf8');
  }

  readonly conversations: ConversationRecords = {
    putMessages: async (run, conversation, from, bodies) => {
      const dir = this.conversationDir(run, conversation);
      await Promise.all(bodies.map((body, offset) => this.put(path.join(dir, `${from + offset}.json`), body)));
    },
    putTools: async (run, conversation, body) => {
      await this.put(path.join(this.conversationDir(run, conversation), 'tools.json'), body);
    },
    readMessages: async (run, conversation, from, to) => {
      const dir = this.conversationDir(run, conversation);
      return Promise.all(
        Array.from({ length: Math.max(0, to - from) }, (_, index) => this.get(path.join(dir, `${from + index}.json`))),
      );
    },
    readTools: async (run, conversation) => this.get(path.join(this.conversationDir(run, conversation), 'tools.json')),
  };

  /**
   * A call id of safe characters is its own file name; any other gets a digest of itself too, so ids that differ
   * only in unsafe characters (`functions.read:0`, `functions.read/0`) never share an entry.
   */
  private ledgerFile(run: string, callId: string): string {
    const name = /^[a-zA-Z0-9._-]+$/.test(callId) ? callId : runDirectoryName(callId);
    return path.join(this.ledgerDir(run), `${name}.json`);
  }

  /** Where entries of unsafe call ids were written before they got a digest: read only if the new file is missing. */
  private legacyLedgerFile(run: string, callId: string): string {
    return path.join(this.ledgerDir(run), `${callId.replace(/[^a-zA-Z0-9._-]/g, '_')}.json`);
  }

  readonly ledger: LedgerRecords = {
    read: async (run, callId) => {
      const text =
        (await this.get(this.ledgerFile(run, callId))) ?? (await this.get(this.legacyLedgerFile(run, callId)));
      if (text === undefined) return undefined;
      return LedgerEntrySchema.parse(JSON.parse(text));
    },
    write: async (run, callId, entry) => {
      // A marker from before released state was moved aside names the ledger directory itself: a run writing again
      // (a workflow id reused) must not lose its ledger to the earlier run's expiry.
      await this.markers.clear(this.markerName(run));
      await this.put(this.ledgerFile(run, callId), JSON.stringify(entry));
    },
  };

  private markerName(run: string): string {
    return `state-${runDirectoryName(run)}`;
  }

  /**
   * A released run's conversations and ledger are moved aside (`released/<run>-<time>/`) and expire from there: a
   * later run with the same workflow id starts with none of them, as the PostgreSQL store ignores rows from before a
   * release. Otherwise a reused id whose model repeats a call id would be answered with the earlier run's result.
   */
  async release(run: string, release: RunRelease): Promise<void> {
    const name = runDirectoryName(run);
    const state = [path.join(this.dataDir, 'conversations', name), this.ledgerDir(run)];
    if (release.stateAfterMs === 0) {
      await this.expire(this.markerName(run), state, 0);
    } else {
      const stamp = `${Date.now()}-${randomUUID().slice(0, 8)}`;
      const aside = path.join(this.dataDir, 'released', `${name}-${stamp}`);
      await fs.mkdir(aside, { recursive: true, mode: 0o700 });
      for (const dir of state) {
        await fs
          .rename(dir, path.join(aside, path.basename(path.dirname(dir))))
          .catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          });
      }
      await this.expire(`state-${name}-${stamp}`, [aside], release.stateAfterMs);
    }
    // Retention markers only ever remove what is below the data dir: a payload directory elsewhere is kept.
    const inside = path.relative(this.dataDir, this.payloadDir);
    if (inside && !inside.startsWith('..') && !path.isAbsolute(inside)) {
      const payloads = path.join(this.payloadDir, 'runs', name);
      if (release.payloadsAfterMs !== null) {
        const now = new Date();
        await this.payloadExpiry.write(name, payloads, now, new Date(now.getTime() + release.payloadsAfterMs));
      }
    }
  }

  private async expire(marker: string, paths: string[], afterMs: number | null): Promise<void> {
    if (afterMs === null) return;
    if (afterMs === 0) {
      await Promise.all(paths.map((dir) => fs.rm(dir, { recursive: true, force: true })));
      return;
    }
    await this.markers.write(marker, new Date(Date.now() + afterMs), paths);
  }

  async sweep(now: Date): Promise<number> {
    return (await this.markers.sweep(now)).length + (await this.payloadExpiry.sweep(now));
  }

  async check(): Promise<void> {
    await fs.mkdir(this.dataDir, { recursive: true });
  }
}
