import { ApplicationFailure } from '@temporalio/activity';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServerSpec } from '../../common/mcp-server';
import type { SecretResolver } from '../secrets/secret-resolver';
import { poolKey, resolveServer, scrubSecrets, type ResolvedServer } from './credentials';
import { ErrorType } from '../../common/errors';
import { classifyFailure, toFailure } from './errors';
import { openTransport, type StderrTail } from './transport';

/** One live client session with a server, shared by every activity on this worker that uses the same server. */
export interface McpConnection {
  readonly server: string;
  readonly client: Client;
  /** Removes the server's secret values from text that leaves the activity. */
  scrub(text: string): string;
}

interface Entry extends McpConnection {
  readonly key: string;
  readonly ready: Promise<void>;
  readonly stderr?: StderrTail;
  closed: boolean;
  active: number;
  lastUsed: number;
}

export interface McpPoolOptions {
  secrets: SecretResolver;
  /** A connection nobody used for this long is closed (per-user servers would otherwise pile up). */
  idleMs?: number;
  /** How long starting a server and the MCP handshake may take. */
  connectTimeoutMs?: number;
}

/** What a use of the pool does once the connection is known to have failed. */
export type Repeat = 'always' | 'if-unsent';

const CLIENT_INFO = { name: 'reins', version: '0.1.0' };
const livePools = new Set<McpPool>();

/**
 * A worker's MCP connections, keyed by server spec (and by user when credentials are per user). Secrets are resolved
 * here, on each use, and never leave the worker. A connection that died (a stdio server that exited, an HTTP server
 * that forgot the session) is dropped and replaced; the operation is repeated once when that cannot run it twice.
 */
export class McpPool {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly options: McpPoolOptions) {
    const idleMs = options.idleMs ?? 10 * 60_000;
    this.sweeper = setInterval(() => this.closeIdle(idleMs), Math.min(idleMs, 60_000));
    this.sweeper.unref();
    livePools.add(this);
  }

  /**
   * Runs `operation` on a connection to `spec`. Connection failures are retried once on a fresh connection when
   * `repeat` allows it; everything else becomes an ApplicationFailure naming the server and `what`.
   */
  async use<T>(
    spec: McpServerSpec,
    userId: string | undefined,
    what: string,
    repeat: Repeat,
    operation: (connection: McpConnection) => Promise<T>,
  ): Promise<T> {
    if (this.closing) {
      throw ApplicationFailure.retryable(
        `the worker is shutting down; ${what} goes to another worker`,
        ErrorType.McpTransportError,
      );
    }
    const resolved = resolveServer(spec, this.options.secrets, userId);
    const key = poolKey(resolved, userId);
    for (let attempt = 1; ; attempt++) {
      const entry = this.entryFor(key, resolved);
      const context = { server: spec.name, scrub: entry.scrub };
      try {
        await entry.ready;
      } catch (error) {
        this.drop(entry);
        throw toFailure(error, { ...context, operation: `connecting for ${what}`, stderr: entry.stderr?.value });
      }
      entry.active += 1;
      try {
        return await operation(entry);
      } catch (error) {
        // Already decided (a malformed listing, a missing secret): not a connection problem.
        if (error instanceof ApplicationFailure) throw error;
        const kind = classifyFailure(error);
        if (kind === 'unsent' || kind === 'connection') {
          this.drop(entry);
          if (attempt === 1 && (kind === 'unsent' || repeat === 'always')) continue;
        }
        throw toFailure(error, { ...context, operation: what, stderr: entry.stderr?.value });
      } finally {
        entry.active -= 1;
        entry.lastUsed = Date.now();
      }
    }
  }

  /** Closes every connection (stopping stdio servers); the worker calls this when it shuts down. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    livePools.delete(this);
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((entry) => this.closeEntry(entry)));
  }

  /** How many connections are open, for tests and diagnostics. */
  get size(): number {
    return this.entries.size;
  }

  private entryFor(key: string, resolved: ResolvedServer): Entry {
    const existing = this.entries.get(key);
    if (existing && !existing.closed) return existing;
    const opened = openTransport(resolved);
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    const entry: Entry = {
      key,
      server: resolved.spec.name,
      client,
      scrub: (text) => scrubSecrets(text, resolved.secrets),
      stderr: opened.stderr,
      ready: client.connect(opened.transport, { timeout: this.options.connectTimeoutMs ?? 30_000 }),
      closed: false,
      active: 0,
      lastUsed: Date.now(),
    };
    // A server process that exits (or a transport that gives up) closes the client: forget it so the next use
    // starts a fresh one instead of failing on a dead one.
    client.onclose = () => this.forget(entry);
    // The SDK reports stray transport errors here; the failing request reports them to its caller already.
    client.onerror = () => undefined;
    entry.ready.catch(() => undefined);
    this.entries.set(key, entry);
    return entry;
  }

  private forget(entry: Entry): void {
    entry.closed = true;
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
  }

  private drop(entry: Entry): void {
    this.forget(entry);
    void this.closeEntry(entry);
  }

  private async closeEntry(entry: Entry): Promise<void> {
    entry.closed = true;
    await entry.client.close().catch(() => undefined);
  }

  private closeIdle(idleMs: number): void {
    const now = Date.now();
    for (const entry of [...this.entries.values()]) {
      if (entry.active === 0 && now - entry.lastUsed > idleMs) this.drop(entry);
    }
  }
}

/** Closes every pool in this process: for test teardown and process exit, where no worker hook runs. */
export async function closeAllMcpPools(): Promise<void> {
  await Promise.all([...livePools].map((pool) => pool.close()));
}
