import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/**
 * JSON with object keys sorted (by UTF-16 code units) at every depth and no whitespace. For values that came from
 * JSON this is RFC 8785's canonical form: strings and numbers are written the way JSON.stringify writes them.
 * Object members whose value JSON cannot hold (undefined, functions) are left out, as JSON.stringify leaves them out,
 * so a record hashes the same before it is written and after it is read back.
 */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, item]) => item !== undefined && typeof item !== 'function' && typeof item !== 'symbol')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${members.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  // Non-finite numbers become null, as in JSON.stringify; a bare undefined or function is no JSON value at all.
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 of a text, hex. Pure JavaScript, so workflows can use it as well as clients. */
export const sha256Hex = (text: string): string => bytesToHex(sha256(utf8ToBytes(text)));

/** The digest a signed decision binds its edited arguments by. */
export const argsDigest = (args: unknown): string => sha256Hex(canonicalJson(args));
