import {
  ExternalStorage,
  type DataConverter,
  type Payload,
  type PayloadCodec,
  type StorageDriver,
} from '@temporalio/common';
import { ENCRYPTED_ENCODING, PayloadDecryptionError } from '../shared/codec';

/** A payload this process could not turn back into a value; the SDK passes it up as the cause of whatever failed. */
export class PayloadDecodeError extends Error {
  override name = 'PayloadDecodeError';
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The decode failure behind `error`, if that is what it is: following causes, as the SDK wraps errors. */
export function decodeFailureOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 10; depth += 1) {
    if (current instanceof PayloadDecodeError || current instanceof PayloadDecryptionError) return current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Refuses a payload still encrypted once every codec ran: this process has no key for it (or no keys at all). */
const encryptedLeftOver: PayloadCodec = {
  encode: async (payloads) => payloads,
  decode: async (payloads) => {
    for (const payload of payloads) {
      const encoding = payload.metadata?.encoding;
      if (encoding && Buffer.from(encoding).toString() === ENCRYPTED_ENCODING) {
        throw new PayloadDecodeError('payload is encrypted and this process has no keys (REINS_ENCRYPTION_KEYS)');
      }
    }
    return payloads;
  },
};

function guardedCodec(codec: PayloadCodec): PayloadCodec {
  return {
    encode: (payloads, context) => codec.encode(payloads, context),
    decode: async (payloads, context) => {
      try {
        return await codec.decode(payloads, context);
      } catch (error) {
        throw new PayloadDecodeError(messageOf(error));
      }
    },
  };
}

function guardedDriver(driver: StorageDriver): StorageDriver {
  return {
    name: driver.name,
    type: driver.type,
    store: (context, payloads) => driver.store(context, payloads),
    retrieve: async (context, claims): Promise<Payload[]> => {
      try {
        return await driver.retrieve(context, claims);
      } catch (error) {
        throw new PayloadDecodeError(messageOf(error));
      }
    },
  };
}

/**
 * The converter with every decode failure (a key missing, a claim-check file gone) raised as PayloadDecodeError, so
 * readers can tell "this part of the run cannot be read" from any other failure and say which part it was.
 */
export function guardDecoding(converter: DataConverter): DataConverter {
  const storage = converter.externalStorage;
  const drivers = new Map((storage?.drivers ?? []).map((driver) => [driver.name, guardedDriver(driver)]));
  return {
    ...converter,
    // Codecs decode last to first: the left-over check runs after every other codec.
    payloadCodecs: [encryptedLeftOver, ...(converter.payloadCodecs ?? []).map(guardedCodec)],
    ...(storage
      ? {
          externalStorage: new ExternalStorage({
            drivers: [...drivers.values()],
            // The store checks a selected driver is one of its own, by identity.
            driverSelector: (context, payload) => {
              const selected = storage.driverSelector(context, payload);
              return selected ? (drivers.get(selected.name) ?? null) : null;
            },
            payloadSizeThreshold: storage.payloadSizeThreshold,
          }),
        }
      : {}),
  };
}
