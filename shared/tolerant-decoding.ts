import {
  ExternalStorage,
  METADATA_ENCODING_KEY,
  u8,
  type Payload,
  type PayloadCodec,
  type SerializationContext,
  type StorageDriver,
  type StorageDriverClaim,
} from '@temporalio/common';
import { UNDECODABLE_ENCODING } from '../common/undecodable';

/**
 * The worker's side of "a payload it cannot decode never fails a workflow task". Codecs and the claim store run
 * outside the workflow sandbox, before the activation reaches the workflow: an error there fails the task with no
 * reins code involved, and retries (or a fresh worker) fail the same way. So on the worker they hand on a marked
 * payload instead, which the payload converter (client/payload-converter.ts) turns into an `Undecodable` value for
 * the workflow to judge. Clients keep failing loudly.
 */
export function undecodablePayload(reason: string): Payload {
  return { metadata: { [METADATA_ENCODING_KEY]: u8(UNDECODABLE_ENCODING) }, data: u8(reason) };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Decodes payload by payload through `codecs`, so one bad payload marks only itself. */
export class TolerantCodec implements PayloadCodec {
  constructor(private readonly codecs: readonly PayloadCodec[]) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    let encoded = payloads;
    for (const codec of this.codecs) encoded = await codec.encode(encoded, context);
    return encoded;
  }

  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        try {
          let decoded = [payload];
          for (const codec of [...this.codecs].reverse()) decoded = await codec.decode(decoded, context);
          const [single] = decoded;
          if (!single || decoded.length !== 1) throw new Error('a codec changed the number of payloads');
          return single;
        } catch (error) {
          return undecodablePayload(messageOf(error));
        }
      }),
    );
  }
}

/** Stands in for a claim-check store this process does not have: every claim on it is undecodable. */
class MissingStoreDriver implements StorageDriver {
  readonly type = 'reins.missing';
  constructor(readonly name: string) {}

  async store(): Promise<StorageDriverClaim[]> {
    throw new Error(`no payload store named "${this.name}" is configured`);
  }

  async retrieve(_context: unknown, claims: StorageDriverClaim[]): Promise<Payload[]> {
    return claims.map(() => undecodablePayload(`no payload store named "${this.name}" on this worker`));
  }
}

/** External storage whose claims on an unknown store resolve to undecodable payloads instead of an error. */
export class TolerantExternalStorage extends ExternalStorage {
  override getDriver(name: string): StorageDriver | null {
    return super.getDriver(name) ?? new MissingStoreDriver(name);
  }
}
