/**
 * Who may call the codec server. It decrypts every run's payloads, so it answers only a caller with the static token
 * or with an access token from one of the platform policy's identity providers (what the Temporal Web UI forwards
 * with "pass access token"); without either it starts only on a loopback address and only when told so explicitly.
 */
import { timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import type { IdentityProvider } from '../common/identity/identity-settings';
import { verifyProviderToken } from '../shared/identity/jwt-verifier';
import { readPolicyFile } from '../shared/policy-file';
import { InvalidOptionsError } from './errors';
import { loadPolicyFile } from './policy-check';

/** The flag that lets the codec server run without authentication (loopback only). */
export const INSECURE_NO_AUTH_FLAG = '--insecure-no-auth';

export interface CodecAuth {
  /** A shared secret accepted as `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * Identity providers whose JWT access tokens are accepted; read on every request, so a provider removed from the
   * policy stops being trusted at once.
   */
  providers?: () => readonly IdentityProvider[];
  /** A reins role (through the provider's roleMap) an access token's user must have. The static token needs none. */
  requireRole?: string;
  /** Serve anyone: allowed only on a loopback host. */
  insecureNoAuth?: boolean;
}

/** The answer to one request: who it is, or the HTTP status and why not. */
export type CodecCaller = { ok: true; who: string } | { ok: false; status: 401 | 403; reason: string };

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Refuses a configuration that would decrypt for anyone, naming what to set. */
export function checkCodecAuth(auth: CodecAuth, host: string): void {
  const providers = auth.providers?.() ?? [];
  if (auth.requireRole !== undefined && providers.length === 0) {
    throw new InvalidOptionsError(
      '--require-role needs identity providers: point --policy at a platform policy with identity.providers',
    );
  }
  if (auth.token !== undefined || providers.length > 0) return;
  if (!auth.insecureNoAuth) {
    throw new InvalidOptionsError(
      'the codec server decrypts every run: give it --token (or REINS_CODEC_TOKEN), or --policy with identity providers ' +
        `for the Web UI's access tokens; ${INSECURE_NO_AUTH_FLAG} serves anyone, on a loopback host only`,
    );
  }
  if (!isLoopbackHost(host)) {
    throw new InvalidOptionsError(
      `${INSECURE_NO_AUTH_FLAG} is allowed only on a loopback host (127.0.0.1, ::1), not ${host}`,
    );
  }
}

function tokenMatches(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Checks a request's `Authorization` header against the configuration. Never throws for what a caller sends. */
export async function authorizeCodecCall(header: string | undefined, auth: CodecAuth): Promise<CodecCaller> {
  const providers = auth.providers?.() ?? [];
  // Open only as checkCodecAuth allowed it: nothing else configured. A token or a provider, once given, is required.
  if (auth.insecureNoAuth && auth.token === undefined && providers.length === 0) return { ok: true, who: 'anyone' };
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  if (bearer === undefined)
    return { ok: false, status: 401, reason: 'missing bearer token (Authorization: Bearer <token>)' };
  if (auth.token !== undefined && tokenMatches(bearer, auth.token)) return { ok: true, who: 'codec token' };
  if (providers.length === 0) return { ok: false, status: 401, reason: 'wrong bearer token' };
  const verdict = await verifyProviderToken(bearer, providers);
  if (!verdict.ok) return { ok: false, status: 401, reason: `access token refused: ${verdict.reason}` };
  const { userId, roles } = verdict.evidence;
  if (auth.requireRole !== undefined && !roles.some((mapping) => mapping.role === auth.requireRole)) {
    return {
      ok: false,
      status: 403,
      reason: `user ${JSON.stringify(userId)} lacks the role ${JSON.stringify(auth.requireRole)}`,
    };
  }
  return { ok: true, who: userId };
}

/**
 * The identity providers of a platform policy file, re-read when the file changes (one stat per call). A change that
 * makes the file invalid keeps the last good providers, as a worker keeps its last good policy.
 */
export function policyFileProviders(file: string): () => readonly IdentityProvider[] {
  let seen: string | undefined;
  let providers = loadPolicyFile(file).policy.identity?.providers ?? [];
  return () => {
    try {
      const stat = statSync(file);
      const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      if (stamp !== seen) {
        providers = readPolicyFile(file).policy.identity?.providers ?? [];
        seen = stamp;
      }
    } catch {
      // Unreadable or invalid now: the last good providers stay in force.
    }
    return providers;
  };
}
