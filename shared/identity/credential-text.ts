/** Small helpers for what verifiers say about a credential: outside values quoted and cut, dates that never throw. */
import { createHash } from 'node:crypto';

/** An outside value as a reason quotes it: JSON-quoted, cut to a length that keeps reasons readable. */
export function quoted(value: unknown): string {
  if (value === undefined) return '(none)';
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(typeof value);
  }
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}

/** Seconds since the epoch (a JWT date) as ISO 8601; undefined for anything that is not a representable date. */
export function isoFromSeconds(seconds: unknown): string | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** SHA-256 (hex) of a credential: lets a run recognise the same credential twice without keeping it. */
export function credentialDigest(credential: string): string {
  return createHash('sha256').update(credential).digest('hex');
}

/** An error's message, for a reason; never the credential itself (jose's messages do not quote tokens). */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
