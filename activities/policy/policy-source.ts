import type { LoadedPolicy } from '../../common/policy/platform-policy';
import { PolicyFileError, readPolicyFile } from '../../shared/policy-file';
import { WatchedFile } from '../../shared/watched-file';

/**
 * A policy file the worker re-reads whenever it changes on disk (see WatchedFile). A change that makes the file
 * unreadable or invalid keeps the last good version in force, marked stale with the reason, so a typo in the file
 * never loosens or stops the runtime; with no good version at all, runs are refused (PolicyInvalid).
 */
export class PolicySource {
  private readonly watched: WatchedFile<LoadedPolicy>;

  constructor(readonly file: string) {
    this.watched = new WatchedFile(
      file,
      readPolicyFile,
      (problem) => new PolicyFileError(problem || `cannot read the platform policy ${file}`),
    );
  }

  /** The policy now in force. Throws PolicyFileError when the file has never been valid. */
  get(): LoadedPolicy {
    const { value, stale } = this.watched.get();
    // Unchanged and valid: the very object read last time, so callers can tell nothing changed.
    return stale === undefined ? value : { ...value, stale };
  }
}
