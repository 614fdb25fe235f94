import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKeys } from '../codec';

const PLAIN = 0x00;
const SEALED = 0x01;
/** The first bytes of records from before sealing: a JSON object (messages, ledger entries) or array (tools). */
const LEGACY_JSON = new Set([0x7b, 0x5b]);
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class RecordSealError extends Error {
  override name = 'RecordSealError';
}

/**
 * Run state the store keeps outside history (conversations, call ledgers, workspace snapshots) is protected as
 * history is: with payload encryption keys set, AES-256-GCM under the newest key. The record's place in the store
 * (`context`: table and key) is bound as associated data, so a record copied to another row fails to open. Records
 * written before encryption was turned on stay readable.
 */
export class RecordSeal {
  private readonly current: { id: string; key: Buffer } | undefined;
  private readonly byId: Map<string, Buffer>;

  constructor(keys: EncryptionKeys | undefined) {
    this.current = keys?.[keys.length - 1];
    this.byId = new Map((keys ?? []).map((k) => [k.id, k.key]));
  }

  get encrypts(): boolean {
    return this.current !== undefined;
  }

  seal(plain: Uint8Array, context: string): Buffer {
    if (!this.current) return Buffer.concat([Buffer.from([PLAIN]), plain]);
    const id = Buffer.from(this.current.id);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.concat([id, Buffer.from([0]), Buffer.from(context)]));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([SEALED, id.length]), id, iv, body, cipher.getAuthTag()]);
  }

  open(record: Uint8Array, context: string): Buffer {
    const bytes = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
    if (bytes[0] === PLAIN) return bytes.subarray(1);
    // Files written before records were sealed hold bare JSON; a worker upgraded mid-run still reads them.
    if (LEGACY_JSON.has(bytes[0]!)) return bytes;
    if (bytes[0] !== SEALED || bytes.length < 2) throw new RecordSealError(`store record ${context} is not a record`);
    const idLength = bytes[1]!;
    const id = bytes.subarray(2, 2 + idLength).toString();
    const key = this.byId.get(id);
    if (!key) {
      throw new RecordSealError(
        `store record ${context} is encrypted with key "${id}", which is not among this process's keys` +
          (this.byId.size ? ` (${[...this.byId.keys()].join(', ')})` : ' (none: set REINS_ENCRYPTION_KEYS)'),
      );
    }
    const start = 2 + idLength;
    if (bytes.length < start + IV_BYTES + TAG_BYTES) throw new RecordSealError(`store record ${context} is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(start, start + IV_BYTES));
    decipher.setAAD(Buffer.concat([Buffer.from(id), Buffer.from([0]), Buffer.from(context)]));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(start + IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new RecordSealError(`store record ${context} failed authentication with key "${id}"`);
    }
  }
}
