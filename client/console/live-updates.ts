import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ReinsClient } from '../reins-client';
import { pendingFingerprint, readPending } from './console-data';

/**
 * Server-sent events for every open page: while anyone listens, what is pending is read at a modest interval, and
 * each change (a request opened or decided, from the console or anywhere else) is pushed as a `change` event.
 */
export class LiveUpdates {
  /** Each page with the version of what is pending it last saw. */
  private readonly listeners = new Map<ServerResponse, string>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly reins: ReinsClient,
    private readonly intervalMs: number,
  ) {}

  /** `seen`: the version the page was rendered with, so a change between rendering and listening is not missed. */
  subscribe(response: ServerResponse, seen: string): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    response.write('retry: 2000\n\n');
    this.listeners.set(response, seen);
    response.on('close', () => {
      this.listeners.delete(response);
      if (this.listeners.size === 0) this.stop();
    });
    if (!this.timer) this.timer = setInterval(() => void this.poll(), this.intervalMs);
    void this.poll();
  }

  /** Tells every page that something changed now (a decision made through this console). */
  notify(): void {
    for (const listener of this.listeners.keys()) this.send(listener, '');
  }

  private send(listener: ServerResponse, version: string): void {
    this.listeners.set(listener, version);
    listener.write(`event: change\ndata: ${version}\n\n`);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const { all } = await readPending(this.reins, 2_000);
      const version = pendingVersion(pendingFingerprint(all));
      for (const [listener, seen] of this.listeners) if (seen !== version) this.send(listener, version);
    } catch {
      // Visibility or a worker not answering: the next tick tries again.
    } finally {
      this.polling = false;
    }
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stop();
    for (const listener of this.listeners.keys()) listener.end();
    this.listeners.clear();
  }
}

/** A short, opaque version of a pending fingerprint, for pages to carry. */
export const pendingVersion = (fingerprint: string): string =>
  createHash('sha256').update(fingerprint).digest('base64url').slice(0, 16);
