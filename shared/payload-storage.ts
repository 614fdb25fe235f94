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
import { TolerantCodec, TolerantExternalStorage, undecodablePayload } from './tolerant-decoding';

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
  private warned = false;

  /**
   * `tolerant` (workers): a claim that cannot be resolved becomes an undecodable payload rather than an error, which
   * would fail the workflow task before reins could judge it. `warn` (clients): said once per process when a payload
   * first goes to the store, because a worker on another machine reads it only if it shares the directory.
   */
  constructor(
    private readonly dir: string,
    private readonly options: { tolerant?: boolean; warn?: (message: string) => void } = {},
  ) {}

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
        if (this.options.warn && !this.warned) {
          this.warned = true;
          this.options.warn(
            `reins: a ${Math.ceil(bytes.length / 1024)} KB payload was written to the payload store ${this.dir}; ` +
              'a worker on another machine cannot read it unless it shares this directory; set REINS_PAYLOAD_DIR to ' +
              'the directory the workers use',
          );
        }
        return new StorageDriverClaim({ key, bytes: String(bytes.length) });
      }),
    );
  }

  async retrieve(_context: StorageDriverRetrieveContext, claims: StorageDriverClaim[]): Promise<Payload[]> {
    return Promise.all(
      claims.map(async (claim) => {
        try {
          return await this.read(claim);
        } catch (error) {
          if (!this.options.tolerant) throw error;
          return undecodablePayload((error as Error).message);
        }
      }),
    );
  }

  private async read(claim: StorageDriverClaim): Promise<Payload> {
    const key = Object.hasOwn(claim.claimData, 'key') ? claim.claimData.key : undefined;
    if (!key || !/^[0-9a-f]{64}$/.test(key)) {
      throw new Error(`payload claim without a valid key: ${JSON.stringify(claim.claimData).slice(0, 200)}`);
    }
    const bytes = await fs.readFile(this.file(key)).catch((error: NodeJS.ErrnoException) => {
      throw new Error(
        `payload ${key} is not in ${this.dir} (${error.code}); is the payload store shared with this process?`,
      );
    });
    return ProtoPayload.decode(bytes) as Payload;
  }
}

export interface PayloadStorageOptions {
  /** Directory of the claim-check store. */
  dir: string;
  thresholdBytes?: number;
  /** Keys for encrypting payloads; from the environment (REINS_ENCRYPTION_KEYS[_FILE]) when unset, none with `false`. */
  encryption?: EncryptionKeys | false;
  /**
   * `worker`: payloads that cannot be decoded reach the workflow as `Undecodable` values (see common/undecodable.ts)
   * instead of failing its task. `client` (default): they fail the call, and storing a claim warns once.
   */
  role?: 'worker' | 'client';
  /** A client without a declared shared store says here, once, when it first writes a claim a worker may not reach. */
  warn?: (message: string) => void;
}

/** The worker's payload converter, for bundles built ahead of time (see worker/create-worker.ts). */
export const WORKER_PAYLOAD_CONVERTER_PATH = require.resolve('./payload-converter');

/** The data converter every reins worker, client and CLI uses, so claims written by one are readable by the others. */
export function reinsDataConverter(storage: PayloadStorageOptions): DataConverter {
  const keys = storage.encryption === undefined ? encryptionKeysFromEnv() : storage.encryption || undefined;
  const worker = storage.role === 'worker';
  const codecs = keys?.length ? [new EncryptionCodec(keys)] : [];
  const driver = new FilesystemStorageDriver(
    storage.dir,
    worker ? { tolerant: true } : storage.warn ? { warn: storage.warn } : {},
  );
  const storageOptions = {
    drivers: [driver],
    payloadSizeThreshold: storage.thresholdBytes ?? DEFAULT_PAYLOAD_THRESHOLD_BYTES,
  };
  return {
    // The SDK runs codecs before external storage: claim-checked files hold ciphertext too, and history holds only
    // the claim (a digest and a size).
    ...(codecs.length ? { failureConverterPath: require.resolve('./failure-converter') } : {}),
    ...(codecs.length ? { payloadCodecs: worker ? [new TolerantCodec(codecs)] : codecs } : {}),
    ...(worker ? { payloadConverterPath: WORKER_PAYLOAD_CONVERTER_PATH } : {}),
    externalStorage: worker ? new TolerantExternalStorage(storageOptions) : new ExternalStorage(storageOptions),
  };
}

/** The store's directory from the environment: REINS_PAYLOAD_DIR, else `<REINS_DATA_DIR or .reins>/payloads`. */
export function payloadDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.REINS_PAYLOAD_DIR ?? path.join(env.REINS_DATA_DIR ?? '.reins', 'payloads'));
}
