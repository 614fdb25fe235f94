/** Reads and validates a platform policy file; workers and clients read it alike, so both see the same version. */
import type { LoadedPolicy } from '../common/policy/platform-policy';
import { PlatformPolicyFileSchema } from '../common/policy/platform-policy-file';
import { describeZodIssues } from '../common/zod-issues';
import { readYamlFile } from './yaml-file';

export class PolicyFileError extends Error {
  override name = 'PolicyFileError';
}

/** Reads and validates a platform policy file; the error names the file and each bad field. */
export function readPolicyFile(file: string): LoadedPolicy {
  const { raw, version } = readYamlFile(
    file,
    (problem) => new PolicyFileError(`cannot read the platform policy ${file}: ${problem}`),
  );
  const parsed = PlatformPolicyFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new PolicyFileError(`platform policy ${file} is invalid: ${describeZodIssues(parsed.error)}`);
  }
  return { policy: parsed.data, version };
}
