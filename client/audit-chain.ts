import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson, sha256Hex } from '../common/canonical-json';

// The hash chain over an exported audit trail: each entry names the hash of the one before it, and a head record at
// the end counts them and names the last, optionally signed with an Ed25519 key. client/audit-verify.ts checks it.

/** Names the format in every head, so a later format can be told apart rather than misread. */
export const TRAIL_FORMAT = 'reins-audit/1';

/** The fields the chain adds to a record; a record that already holds one of them cannot be chained unambiguously. */
export const CHAIN_FIELDS = ['seq', 'prev', 'hash'] as const;

/** One exported line: the record as built, whatever fields it holds, and its place in the chain. */
export type TrailEntry<R extends object = Record<string, unknown>> = R & { seq: number; prev: string; hash: string };

export interface TrailSignature {
  alg: 'ed25519';
  /** sha256 of the public key (SPKI DER), to tell which key signed when a verification fails. */
  keyId: string;
  /** base64 Ed25519 signature over the head's canonical JSON without `signature`. */
  value: string;
}

export interface TrailHead {
  kind: 'audit_head';
  format: typeof TRAIL_FORMAT;
  workflowId: string;
  count: number;
  /** The hash of the last entry; the genesis value when there are none. */
  last: string;
  exportedAt: string;
  /** How many parts of the run could not be read when it was exported (the trail is then what could be). */
  unreadableParts?: number;
  signature?: TrailSignature;
}

/**
 * The `prev` of the first entry. It depends on the workflow id, so a trail's first entry (and with it the whole
 * chain) cannot be passed off as another run's.
 */
export function genesisHash(workflowId: string): string {
  return sha256Hex(`${TRAIL_FORMAT}\ngenesis\n${workflowId}`);
}

/** The hash of an entry: sha256 of the canonical JSON of every field it holds but `hash` itself. */
export function entryHash(entry: object): string {
  const { hash: _hash, ...rest } = entry as { hash?: unknown };
  return sha256Hex(canonicalJson(rest));
}

/** What a head's signature covers: its canonical JSON without `signature`. */
export function headSigningInput(head: object): Buffer {
  const { signature: _signature, ...rest } = head as { signature?: unknown };
  return Buffer.from(canonicalJson(rest));
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** A key file that cannot be used: missing, not PEM, or not an Ed25519 key of the kind asked for. */
export class AuditKeyError extends Error {
  override name = 'AuditKeyError';
}

function readKeyFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AuditKeyError(`cannot read the ${what} file ${file}${code ? ` (${code})` : ''}`);
  }
}

function ed25519(key: () => KeyObject, file: string, what: string): KeyObject {
  let loaded: KeyObject;
  try {
    loaded = key();
  } catch {
    throw new AuditKeyError(`the ${what} file ${file} does not hold a PEM ${what}`);
  }
  if (loaded.asymmetricKeyType !== 'ed25519') {
    throw new AuditKeyError(
      `the ${what} file ${file} holds a ${loaded.asymmetricKeyType ?? 'non-asymmetric'} key, not Ed25519`,
    );
  }
  return loaded;
}

/** An Ed25519 private key from a PEM file (PKCS#8), to sign trail heads with. */
export function loadSigningKey(file: string): KeyObject {
  const pem = readKeyFile(file, 'private key');
  return ed25519(() => createPrivateKey(pem), file, 'private key');
}

/**
 * An Ed25519 public key from a PEM file (SPKI). A private key file is refused rather than quietly used for its public
 * half: whoever verifies should not need, or be handed, the key that signs.
 */
export function loadPublicKey(file: string): KeyObject {
  const pem = readKeyFile(file, 'public key');
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem.toString('latin1'))) {
    throw new AuditKeyError(`the public key file ${file} holds a private key: give the public key (SPKI PEM)`);
  }
  return ed25519(() => createPublicKey(pem), file, 'public key');
}

/**
 * Chains `records` in their order into exported entries and the head that closes them. Every field of a record is
 * hashed, whatever it holds, so fields added to records later are covered without a change here.
 */
export function chainTrail<R extends object>(
  records: readonly R[],
  workflowId: string,
  options: { exportedAt: string; signingKey?: KeyObject; unreadableParts?: number },
): { entries: TrailEntry<R>[]; head: TrailHead } {
  let prev = genesisHash(workflowId);
  const entries = records.map((record, seq): TrailEntry<R> => {
    const clash = CHAIN_FIELDS.find((field) => Object.hasOwn(record, field));
    if (clash) throw new Error(`audit record ${seq} already has a field named "${clash}"`);
    // Hashed as it will read back from the file: JSON drops what it cannot hold, and so must the hash.
    const written = JSON.parse(JSON.stringify({ seq, ...record, prev })) as R & { seq: number; prev: string };
    const entry = { ...written, hash: entryHash(written) };
    prev = entry.hash;
    return entry;
  });
  const head: TrailHead = {
    kind: 'audit_head',
    format: TRAIL_FORMAT,
    workflowId,
    count: entries.length,
    last: prev,
    exportedAt: options.exportedAt,
    ...(options.unreadableParts ? { unreadableParts: options.unreadableParts } : {}),
  };
  if (options.signingKey) {
    const publicKey = createPublicKey(options.signingKey);
    head.signature = {
      alg: 'ed25519',
      keyId: keyIdOf(publicKey),
      value: sign(null, headSigningInput(head), options.signingKey).toString('base64'),
    };
  }
  return { entries, head };
}

/** The exported file: one entry per line, then the head. */
export function trailJsonl(trail: { entries: readonly object[]; head: TrailHead }): string {
  return [...trail.entries, trail.head].map((line) => `${JSON.stringify(line)}\n`).join('');
}
