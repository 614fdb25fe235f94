import { PostgresStore } from '../shared/store/postgres/pg-store';
import { SnapshotWorkspaceSync } from '../activities/sandbox/workspace-sync';

/** Calls and total milliseconds per label. */
export type Timings = Record<string, { count: number; ms: number }>;

const timings: Timings = {};

function add(label: string, ms: number): void {
  const entry = (timings[label] ??= { count: 0, ms: 0 });
  entry.count += 1;
  entry.ms += ms;
}

/** A statement's verb and table, e.g. `SELECT conversation_messages`: enough to tell reins' queries apart. */
export function queryLabel(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const verb = /^(\w+)/.exec(flat)?.[1]?.toUpperCase() ?? '?';
  const table = /(?:FROM|INTO|UPDATE)\s+(?:"[^"]+"\.)?(\w+)/i.exec(flat)?.[1] ?? '?';
  return `${verb} ${table}`;
}

let installed = false;

/**
 * Times, inside the bench process, every PostgreSQL store query (by verb and table), every store transaction, and
 * the workspace snapshot's pull (before a call) and push (archive and store, after a call that may write). Wraps the
 * classes' methods, so the product code runs unchanged; the bench's workers live in this process.
 */
export function instrumentStore(): void {
  if (installed) return;
  installed = true;
  const query = PostgresStore.prototype.query;
  PostgresStore.prototype.query = async function (this: PostgresStore, text: string, values?: unknown[]) {
    const started = performance.now();
    try {
      return await query.call(this, text, values);
    } finally {
      add(`query: ${queryLabel(text)}`, performance.now() - started);
    }
  } as typeof query;
  const transaction = PostgresStore.prototype.transaction;
  PostgresStore.prototype.transaction = async function (this: PostgresStore, work) {
    const started = performance.now();
    try {
      return await transaction.call(this, work);
    } finally {
      add('transaction: snapshot write (SELECT FOR UPDATE + upsert)', performance.now() - started);
    }
  } as typeof transaction;
  for (const method of ['pull', 'push'] as const) {
    const original = SnapshotWorkspaceSync.prototype[method];
    SnapshotWorkspaceSync.prototype[method] = async function (this: SnapshotWorkspaceSync, ...args) {
      const started = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        add(
          `workspace ${method}${method === 'push' ? ' (tar.gz + digest + write)' : ' (latest + restore)'}`,
          performance.now() - started,
        );
      }
    } as typeof original;
  }
}

/** What was timed since the last call, and a fresh start. */
export function takeTimings(): Timings {
  const taken: Timings = {};
  for (const [label, entry] of Object.entries(timings)) {
    taken[label] = { ...entry };
    delete timings[label];
  }
  return taken;
}
