/** Reads and validates a platform policy file; workers and clients read it alike, so both see the same version. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { LoadedPolicy } from '../common/policy/platform-policy';
import { PlatformPolicyFileSchema } from '../common/policy/platform-policy-file';
import { describeZodIssues } from '../common/zod-issues';

export class PolicyFileError extends Error {
  override name = 'PolicyFileError';
}

/** Reads and validates a platform policy file; the error names the file and each bad field. */
export function readPolicyFile(file: string): LoadedPolicy {
  let text: string;
  let raw: unknown;
  try {
    text = readFileSync(file, 'utf8');
    raw = parseYaml(text);
  } catch (error) {
    throw new PolicyFileError(`cannot read the platform policy ${file}: ${(error as Error).message}`);
  }
  const parsed = PlatformPolicyFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new PolicyFileError(`platform policy ${file} is invalid: ${describeZodIssues(parsed.error)}`);
  }
  return { policy: parsed.data, version: createHash('sha256').update(text).digest('hex').slice(0, 12) };
}
