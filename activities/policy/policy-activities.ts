import { ApplicationFailure, log } from '@temporalio/activity';
import { ErrorType } from '../../common/errors';
import type { LoadedPolicy } from '../../common/policy/platform-policy';
import type { PolicySource } from './policy-source';

/** `loadPlatformPolicy`: what a run starts under, recorded in its history. Undefined when the worker has no policy. */
export function createPolicyActivities(source: PolicySource | undefined) {
  return {
    async loadPlatformPolicy(): Promise<LoadedPolicy | undefined> {
      if (!source) return undefined;
      try {
        const loaded = source.get();
        if (loaded.stale)
          log.warn('platform policy file changed into an invalid one; keeping the last good version', {
            problem: loaded.stale,
            version: loaded.version,
          });
        return loaded;
      } catch (error) {
        throw ApplicationFailure.nonRetryable((error as Error).message, ErrorType.PolicyInvalid);
      }
    },
  };
}
