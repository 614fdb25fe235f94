import { statSync } from 'node:fs';

/** What a watched file holds now: its last good reading, with the reason when the file has since turned bad. */
export interface WatchedReading<T> {
  value: T;
  stale?: string;
}

/**
 * An operator's file a worker re-reads whenever it changes on disk (checked on every use: one stat). A change that
 * makes the file unreadable or invalid keeps the last good reading in force, marked stale with the reason, so a typo
 * in the file never loosens or stops the runtime; with no good reading at all, `refuse` says why nothing can answer.
 * The platform policy and the roles file share this so both follow the same rules.
 */
export class WatchedFile<T> {
  private current?: T;
  private seen?: string;
  private problem?: string;

  constructor(
    readonly file: string,
    private readonly read: (file: string) => T,
    private readonly refuse: (problem: string) => Error,
  ) {}

  /** The reading now in force. Throws `refuse(...)` when the file has never been valid. */
  get(): WatchedReading<T> {
    let stamp: string;
    try {
      const stat = statSync(this.file);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch (error) {
      stamp = `missing:${(error as Error).message}`;
    }
    if (stamp !== this.seen) {
      this.seen = stamp;
      try {
        this.current = this.read(this.file);
        this.problem = undefined;
      } catch (error) {
        this.problem = error instanceof Error ? error.message : String(error);
      }
    }
    if (this.current === undefined) throw this.refuse(this.problem ?? `cannot read ${this.file}`);
    return this.problem === undefined ? { value: this.current } : { value: this.current, stale: this.problem };
  }
}
