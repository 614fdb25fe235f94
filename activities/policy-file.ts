import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
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

/**
 * A policy file the worker re-reads whenever it changes on disk (checked on every use: one stat). A change that
 * makes the file unreadable or invalid keeps the last good version in force, marked stale with the reason, so a typo
 * in the file never loosens or stops the runtime; with no good version at all, runs are refused (PolicyInvalid).
 */
export class PolicySource {
  private current?: LoadedPolicy;
  private seen?: string;
  private problem?: string;

  constructor(readonly file: string) {}

  /** The policy now in force. Throws PolicyFileError when the file has never been valid. */
  get(): LoadedPolicy {
    let stamp: string;
    try {
      const stat = statSync(this.file);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch (error) {
      stamp = `missing:${(error as Error).message}`;
    }
    if (stamp !== this.seen) {
      this.seen = stamp;
      try {
        this.current = readPolicyFile(this.file);
        this.problem = undefined;
      } catch (error) {
        this.problem = (error as Error).message;
      }
    }
    if (!this.current) throw new PolicyFileError(this.problem ?? `cannot read the platform policy ${this.file}`);
    return this.problem ? { ...this.current, stale: this.problem } : this.current;
  }
}
