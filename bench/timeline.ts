/** What the bench watches from inside the process: model requests, tool starts, plain activity starts. */
export type MarkKind = 'model' | 'tool' | 'activity';

interface Waiter {
  after: number;
  resolve: (at: number) => void;
}

/**
 * Timestamps of events per run id, kept only while a scenario asks for them: a 1,000-run scenario needs them, the
 * step-overhead runs do not, and recording nothing there keeps the measured path as short as in real use.
 */
export class Timeline {
  private enabled = false;
  private readonly marks = new Map<string, number[]>();
  private readonly waiters = new Map<string, Waiter[]>();

  start(): void {
    this.enabled = true;
  }

  stop(): void {
    this.enabled = false;
    this.marks.clear();
    this.waiters.clear();
  }

  record(kind: MarkKind, id: string, at = Date.now()): void {
    if (!this.enabled) return;
    const key = `${kind}:${id}`;
    const list = this.marks.get(key) ?? [];
    list.push(at);
    this.marks.set(key, list);
    const waiting = this.waiters.get(key);
    if (!waiting) return;
    const still = waiting.filter((waiter) => {
      if (at < waiter.after) return true;
      waiter.resolve(at);
      return false;
    });
    if (still.length > 0) this.waiters.set(key, still);
    else this.waiters.delete(key);
  }

  firstAfter(kind: MarkKind, id: string, after: number): number | undefined {
    return this.marks.get(`${kind}:${id}`)?.find((at) => at >= after);
  }

  /** Resolves with the first mark at or after `after` (already recorded or still to come). */
  waitFor(kind: MarkKind, id: string, after: number, timeoutMs = 120_000): Promise<number> {
    const seen = this.firstAfter(kind, id, after);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${kind} event for ${id} within ${timeoutMs} ms`)), timeoutMs);
      // A wait nobody resolves must not hold the process open at exit.
      timer.unref();
      const key = `${kind}:${id}`;
      const list = this.waiters.get(key) ?? [];
      list.push({
        after,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      });
      this.waiters.set(key, list);
    });
  }
}
