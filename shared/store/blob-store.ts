/**
 * Where claim-checked payloads go: bytes under a key, written once. The key is a digest of the owning run and the
 * bytes, so a retried write stores nothing new and a run's payloads can expire with it.
 */
export interface BlobStore {
  /** The driver name written into each claim: a claim is read back through the store of the same name. */
  readonly name: string;
  /** Reported by the SDK in worker heartbeats. */
  readonly type: string;
  /** Stores `bytes` under `key` unless it is there already. `run` is the owning workflow id ('' when unknown). */
  put(key: string, run: string, bytes: Uint8Array): Promise<void>;
  /** The bytes under `key` (written for `run`), or undefined when the store does not hold it. */
  get(key: string, run: string): Promise<Uint8Array | undefined>;
  /** Where the store is, for messages (no credentials). */
  describe(): string;
  /** Whether processes on other machines reach the same store (a database), or only those sharing a disk. */
  readonly shared: boolean;
}
