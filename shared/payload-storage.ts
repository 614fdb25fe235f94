import { createHash } from 'node:crypto';
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
import type { BlobStore } from './store/blob-store';
import { FilesystemBlobStore } from './store/fs-blob-store';
import { PostgresBlobStore } from './store/postgres/pg-blob-store';
import { postgresStore } from './store/postgres/pg-store';
import type { StoreSettings } from './store/store-settings';

const ProtoPayload = temporal.api.common.v1.Payload;

/** Payloads above this size leave only a claim in history; well under Temporal's 256 KB warning. */
export const DEFAULT_PAYLOAD_THRESHOLD_BYTES = 64 * 1024;

/**
 * The SDK's claim-check driver over one of reins' blob stores. Each payload is stored under a digest of its owning
 * run and its bytes, so a retried write is harmless and a run's payloads can expire with it.
 */
export class BlobStorageDriver implements StorageDriver {
  readonly name: string;
  readonly type: string;
  private warned = false;

  /**
   * `tolerant` (workers): a claim that cannot be resolved becomes an undecodable payload rather than an error, which
   * would fail the workflow task before reins could judge it. A store that does not answer is still an error. `warn` (clients on a store other machines cannot
   * reach): said once per process when a payload first goes to the store.
   */
  constructor(
    readonly blobs: BlobStore,
    private readonly options: { tolerant?: boolean; warn?: (message: string) => void } = {},
  ) {
    this.name = blobs.name;
    this.type = blobs.type;
  }

  async store(context: StorageDriverStoreContext, payloads: Payload[]): Promise<StorageDriverClaim[]> {
    // Payloads of a workflow (its inputs, its activities' results) belong to that workflow id.
    const run = context.target?.kind === 'workflow' ? (context.target.id ?? '') : '';
    return Promise.all(
      payloads.map(async (payload) => {
        const bytes = ProtoPayload.encode(payload).finish();
        const key = createHash('sha256').update(run).update('\u0000').update(bytes).digest('hex');
        await this.blobs.put(key, run, bytes);
        if (this.options.warn && !this.warned && !this.blobs.shared) {
          this.warned = true;
          this.options.warn(
            `reins: a ${Math.ceil(bytes.length / 1024)} KB payload was written to ${this.blobs.describe()}; ` +
              'a worker on another machine cannot read it unless it shares this directory; set REINS_STORE to the ' +
              "workers' PostgreSQL store, or REINS_PAYLOAD_DIR to the directory they use",
          );
        }
        return new StorageDriverClaim({ key, bytes: String(bytes.length), ...(run ? { run } : {}) });
      }),
    );
  }

  async retrieve(_context: StorageDriverRetrieveContext, claims: StorageDriverClaim[]): Promise<Payload[]> {
    return Promise.all(
      claims.map(async (claim) => {
        try {
          return await this.read(claim);
        } catch (error) {
          // Only a claim that can never resolve is marked: a store that failed to answer (a dropped connection, a
          // disk error) fails the task instead, and Temporal asks again, so an outage does not end runs.
          if (!this.options.tolerant || !(error instanceof UnresolvableClaimError)) throw error;
          return undecodablePayload(error.message);
        }
      }),
    );
  }

  private async read(claim: StorageDriverClaim): Promise<Payload> {
    const key = Object.hasOwn(claim.claimData, 'key') ? claim.claimData.key : undefined;
    if (!key || !/^[0-9a-f]{64}$/.test(key)) {
      throw new UnresolvableClaimError(
        `payload claim without a valid key: ${JSON.stringify(claim.claimData).slice(0, 200)}`,
      );
    }
    const run = Object.hasOwn(claim.claimData, 'run') ? claim.claimData.run : '';
    if (typeof run !== 'string' || run.length > 1_000) {
      throw new UnresolvableClaimError(
        `payload claim ${key} names no valid run: ${JSON.stringify(claim.claimData).slice(0, 200)}`,
      );
    }
    const bytes = await this.blobs.get(key, run);
    if (!bytes) {
      throw new UnresolvableClaimError(
        `payload ${key} is not in ${this.blobs.describe()}; is this process on the store the workers use ` +
          '(REINS_STORE), or a payload directory shared with them?',
      );
    }
    try {
      return ProtoPayload.decode(bytes) as Payload;
    } catch (error) {
      throw new UnresolvableClaimError(`payload ${key} in ${this.blobs.describe()} is not a payload: ${String(error)}`);
    }
  }
}

/** A claim no retry can resolve: malformed, naming bytes the store does not hold, or bytes that are no payload. */
class UnresolvableClaimError extends Error {
  override name = 'UnresolvableClaimError';
}

/** The blob store for a store setting: the payload directory, or the PostgreSQL store's table. */
export function blobStoreFor(settings: StoreSettings): BlobStore {
  return settings.kind === 'fs'
    ? new FilesystemBlobStore(settings.payloadDir)
    : new PostgresBlobStore(postgresStore(settings.url, settings.schema));
}

export interface PayloadStorageOptions {
  /** The store claim-checked payloads go to (the payload directory, or PostgreSQL). */
  store?: StoreSettings;
  /** Shorthand for a filesystem store with its payloads in this directory. */
  dir?: string;
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
  const driver = new BlobStorageDriver(
    blobStoreFor(storage.store ?? { kind: 'fs', dataDir: '.reins', payloadDir: storage.dir ?? '.reins/payloads' }),
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
