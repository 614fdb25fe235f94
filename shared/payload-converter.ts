import {
  defaultPayloadConverter,
  METADATA_ENCODING_KEY,
  str,
  type Payload,
  type PayloadConverter,
} from '@temporalio/common';
import { undecodable, UNDECODABLE_ENCODING } from '../common/undecodable';

/**
 * The worker's payload converter (`payloadConverterPath`; it runs inside the workflow sandbox too, so it imports
 * nothing beyond the SDK's common package and common/). It writes as the default converter does; a payload it cannot
 * read becomes an `Undecodable` value instead of an error, since an error here fails the workflow task before reins'
 * handlers run and no retry or fresh worker gets past it. Clients keep the default converter: what they cannot read
 * they should report, not stand in for.
 */
class TolerantPayloadConverter implements PayloadConverter {
  toPayload<T>(value: T): Payload {
    return defaultPayloadConverter.toPayload(value);
  }

  fromPayload<T>(payload: Payload): T {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    try {
      if (encoding && str(encoding) === UNDECODABLE_ENCODING) {
        return undecodable(payload.data ? str(payload.data) : 'no reason given') as T;
      }
      return defaultPayloadConverter.fromPayload<T>(payload);
    } catch (error) {
      return undecodable(error instanceof Error ? `${error.name}: ${error.message}` : String(error)) as T;
    }
  }
}

export const payloadConverter: PayloadConverter = new TolerantPayloadConverter();
