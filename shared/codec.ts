import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const ProtoPayload = temporal.api.common.v1.Payload;

/** Temporal's conventional names, so other SDKs' tooling recognises an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  id: string;
  /** 32 bytes for AES-256. */
  key: Buffer;
}

/** Keys oldest first; the last one encrypts, all of them decrypt. */
export type EncryptionKeys = EncryptionKey[];

export class EncryptionConfigError extends Error {
  override name = 'EncryptionConfigError';
}

/** A payload encrypted with a key this process does not have (or tampered with). */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

/** `id1:base64key,id2:base64key` (newest last), as in REINS_ENCRYPTION_KEYS or one per line in a keys file. */
export function parseEncryptionKeys(text: string, origin = 'REINS_ENCRYPTION_KEYS'): EncryptionKeys {
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'));
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      throw new EncryptionConfigError(`${origin}: key ${index + 1} needs the form <id>:<base64 key>`);
    }
    if (seen.has(id)) throw new EncryptionConfigError(`${origin}: key id "${id}" appears twice`);
    seen.add(id);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32) {
      throw new EncryptionConfigError(
        `${origin}: key "${id}" is ${key.length} bytes; AES-256 needs 32 (generate with: openssl rand -base64 32)`,
      );
    }
    return { id, key };
  });
}

/**
 * The keys configured in the environment: REINS_ENCRYPTION_KEYS, else the file named by REINS_ENCRYPTION_KEYS_FILE.
 * Undefined when neither is set (payloads are then not encrypted).
 */
export function encryptionKeysFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionKeys | undefined {
  if (env.REINS_ENCRYPTION_KEYS) return parseEncryptionKeys(env.REINS_ENCRYPTION_KEYS);
  const file = env.REINS_ENCRYPTION_KEYS_FILE;
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EncryptionConfigError(`REINS_ENCRYPTION_KEYS_FILE ${file} cannot be read: ${(error as Error).message}`);
  }
  const keys = parseEncryptionKeys(text, file);
  if (keys.length === 0) throw new EncryptionConfigError(`REINS_ENCRYPTION_KEYS_FILE ${file} holds no keys`);
  return keys;
}

/**
 * AES-256-GCM over the whole serialized payload (metadata included, so not even the payload's type shows). The key id
 * travels in clear metadata so a rotated-out key is still found, and is bound as associated data so it cannot be
 * swapped.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: EncryptionKey;

  constructor(keys: EncryptionKeys) {
    const newest = keys[keys.length - 1];
    if (!newest) throw new EncryptionConfigError('encryption needs at least one key');
    this.current = newest;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      cipher.setAAD(Buffer.from(this.current.id));
      const plain = ProtoPayload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: Buffer.from(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: Buffer.from(this.current.id),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      // Payloads written before encryption was turned on stay readable.
      if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
      const rawId = payload.metadata?.[KEY_ID_METADATA];
      const id = rawId ? Buffer.from(rawId).toString() : '';
      const key = this.byId.get(id);
      if (!key) {
        throw new PayloadDecryptionError(
          `payload is encrypted with key "${id}", which is not among this process's keys (${[...this.byId.keys()].join(', ')})`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload is truncated`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new PayloadDecryptionError(`encrypted payload failed authentication with key "${id}"`);
      }
      return ProtoPayload.decode(plain) as Payload;
    });
  }
}
