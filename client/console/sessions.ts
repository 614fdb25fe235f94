import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConsoleIdentity } from './identity';

export interface ConsoleSession {
  id: string;
  identity: ConsoleIdentity;
  /** Sent back with every write (form field or header) and compared with this. */
  csrf: string;
  expiresAt: number;
  /** A message for the next page shown (a decision's outcome), shown once. */
  flash?: { kind: 'ok' | 'error'; text: string };
}

const MAX_SESSIONS = 10_000;

/** Sessions in this process's memory: a restart signs everyone out, which is acceptable for the console. */
export class SessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(private readonly ttlMs: number = 12 * 3600_000) {}

  create(identity: ConsoleIdentity, now = Date.now()): ConsoleSession {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next();
      if (!oldest.done) this.sessions.delete(oldest.value);
    }
    const session: ConsoleSession = {
      id: randomBytes(32).toString('base64url'),
      identity,
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: now + this.ttlMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined, now = Date.now()): ConsoleSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }
}

/** Whether a write's CSRF token is the session's, compared in constant time. */
export function csrfMatches(session: ConsoleSession, offered: unknown): boolean {
  if (typeof offered !== 'string' || offered.length === 0) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(offered);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of one cookie from a Cookie header; names are compared exactly, nothing becomes an object key. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
