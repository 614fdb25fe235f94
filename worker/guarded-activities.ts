import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../common/errors';
import { describeUndecodable, undecodableReason } from '../common/undecodable';

/**
 * Activities on a reins worker receive their input through the same tolerant decoding as workflows (the SDK shares
 * one data converter between them), so an input it could not decode arrives as an `Undecodable` value. This wrapper
 * fails such a call at once, non-retryably and typed, before the activity could take the stand-in for data.
 */
export function guardActivityInputs<T extends object>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      typeof fn !== 'function'
        ? fn
        : (...args: unknown[]) => {
            args.forEach((arg, index) => {
              const reason = undecodableReason(arg);
              if (reason !== undefined) {
                throw ApplicationFailure.nonRetryable(
                  `${name} input ${index + 1}: ${describeUndecodable(reason)}`,
                  ErrorType.PayloadUndecodable,
                );
              }
            });
            return (fn as (...args: unknown[]) => unknown)(...args);
          },
    ]),
  ) as T;
}
