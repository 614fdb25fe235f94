import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  ExternalStorage,
  StorageDriverClaim,
  type DataConverter,
  type Payload,
  type StorageDriver,
  type StorageDriverRetrieveContext,
  type StorageDriverStoreContext,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { EncryptionCodec, encryptionKeysFromEnv, type EncryptionKeys } from './codec';

const ProtoPayload = temporal.api.common.v1.Payload;

/** Payloads above this size leave only a claim in history; well under Temporal's 256 KB warning. */
export const DEFAULT_PAYLOAD_THRESHOLD_BYTES = 64 * 1024;

/**
 * Claim-check storage on a filesystem: each payload is written once under its SHA-256, so identical payloads share a
 * file and a retried write is harmless. Workers and clients that read a run need the same directory (a shared volume);
 * an S3-compatible store implements the same two methods against a bucket.
 */
export class FilesystemStorageDriver implements StorageDriver {
  readonly name = 'fs';
  readonly type = 'reins.filesystem';

  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), key);
  }

  async store(_context: StorageDriverStoreContext, payloads: Payload[]): Promise<StorageDriverClaim[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const bytes = ProtoPayload.encode(payload).finish();
        const key = createHash('sha256').update(bytes).digest('hex');
        const target = this.file(key);
        const exists = await fs.stat(target).then(
          () => true,
          () => false,
        );
        if (!exists) {
          await fs.mkdir(path.dirname(target), { recursive: true });
          const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
          await fs.writeFile(temp, bytes);
          await fs.rename(temp, target);
        }
        return new StorageDriverClaim({ key, bytes: String(bytes.length) });
      }),
    );
  }

  async retrieve(_context: StorageDriverRetrieveContext, claims: StorageDriverClaim[]): Promise<Payload[]> {
    return Promise.all(
      claims.map(async (claim) => {
        const key = claim.claimData.key;
        if (!key || !/^[0-9a-f]{64}$/.test(key))
          throw new Error(`payload claim without a valid key: ${JSON.stringify(claim.claimData)}`);
        const bytes = await fs.readFile(this.file(key)).catch((error: NodeJS.ErrnoException) => {
          throw new Error(
            `payload ${key} is not in ${this.dir} (${error.code}); is the payload store shared with this process?`,
          );
        });
        return ProtoPayload.decode(bytes) as Payload;
      }),
    );
  }
}

export interface PayloadStorageOptions {
  /** Directory of the claim-check store. */
  dir: string;
  thresholdBytes?: number;
  /** Keys for encrypting payloads; from the environment (REINS_ENCRYPTION_KEYS[_FILE]) when unset, none with `false`. */
  encryption?: EncryptionKeys | false;
}

/** The data converter every reins worker, client and CLI uses, so claims written by one are readable by the others. */
export function reinsDataConverter(storage: PayloadStorageOptions): DataConverter {
  const keys = storage.encryption === undefined ? encryptionKeysFromEnv() : storage.encryption || undefined;
  return {
    // The SDK runs codecs before external storage: claim-checked files hold ciphertext too, and history holds only
    // the claim (a digest and a size).
    ...(keys?.length
      ? { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath: require.resolve('./failure-converter') }
      : {}),
    externalStorage: new ExternalStorage({
      drivers: [new FilesystemStorageDriver(storage.dir)],
      payloadSizeThreshold: storage.thresholdBytes ?? DEFAULT_PAYLOAD_THRESHOLD_BYTES,
    }),
  };
}

/** The store's directory from the environment: REINS_PAYLOAD_DIR, else `<REINS_DATA_DIR or .reins>/payloads`. */
export function payloadDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.REINS_PAYLOAD_DIR ?? path.join(env.REINS_DATA_DIR ?? '.reins', 'payloads'));
}
