/**
 * A payload no part of the worker could decode: an unknown encoding, bytes that are not JSON, ciphertext under a key
 * the worker lacks, a claim its store cannot resolve. The worker's payload converter hands this value to the workflow
 * instead of throwing, because a throw there fails the workflow task before any reins code runs, and every retry
 * fails the same way. Message handlers record or refuse it; everywhere else it ends the call or the run with
 * PayloadUndecodable (workflows/run/payload-guard.ts).
 */
const UNDECODABLE = Symbol.for('reins.undecodablePayload');

/** The encoding of a payload the worker's codec or claim store already found undecodable; its data is the reason. */
export const UNDECODABLE_ENCODING = 'binary/reins-undecodable';

/** Reasons are cut to this length: they come from outside and end up in state and history. */
const MAX_REASON = 300;

export interface Undecodable {
  readonly [UNDECODABLE]: true;
  readonly reason: string;
}

/**
 * The stand-in for an undecodable payload. It is branded with a registered symbol, which no JSON value can carry, so a
 * payload that merely looks like it is never mistaken for it.
 */
export function undecodable(reason: string): Undecodable {
  const text = reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
  return { [UNDECODABLE]: true, reason: text };
}

/** The reason, when `value` stands for an undecodable payload. */
export function undecodableReason(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !(UNDECODABLE in value)) return undefined;
  return (value as Undecodable).reason;
}

/** How refusals and ignored messages name the problem. */
export const describeUndecodable = (reason: string) => `payload could not be decoded: ${reason}`;
