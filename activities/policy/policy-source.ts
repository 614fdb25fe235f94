import { statSync } from 'node:fs';
import type { LoadedPolicy } from '../../common/policy/platform-policy';
import { PolicyFileError, readPolicyFile } from '../../shared/policy-file';


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
