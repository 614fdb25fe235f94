import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/**
 * JSON with object keys sorted at every depth and no whitespace: the same value always gives the same text, on the
 * client that signs or hashes it and in the workflow that checks it. Values JSON cannot hold (undefined, functions)
 * are dropped from objects as JSON.stringify drops them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  // Own enumerable entries only, as JSON.stringify sees them; sorted by key with the same order everywhere.
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined && typeof item !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`);
  return `{${entries.join(',')}}`;
}

/** SHA-256 of a text, hex. Pure JavaScript, so workflows can use it as well as clients. */
export const sha256Hex = (text: string): string => bytesToHex(sha256(utf8ToBytes(text)));

/** The digest a signed decision binds its edited arguments by. */
export const argsDigest = (args: unknown): string => sha256Hex(canonicalJson(args));
