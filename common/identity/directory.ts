import type { RoleDefinition } from '../policy/tool-settings';
import type { CredentialCheck, CredentialVerdict } from './credentials';

/**
 * What the platform's directory says of one user. Recorded in history (the result of a local activity) when a run
 * starts and when a decision arrives, so replays and audits read the roles that applied then.
 */
export interface DirectoryEntry {
  userId: string;
  /** False when the directory does not name the user: such a user holds only the directory's `default` role, if any. */
  known: boolean;
  roles: string[];
  teams: string[];
}

/** A directory's answer for some users, tagged with which directory and which version of it answered. */
export interface DirectoryAnswer {
  /** E.g. `roles file 3f2a9c01b2d4`: the kind of directory and its version. */
  source: string;
  entries: DirectoryEntry[];
  /** What each role may use. Present when asked for (a run's start needs it; a decision does not). */
  roleDefinitions?: Record<string, RoleDefinition>;
  /** Set when the directory changed into something invalid and the last good version answered. */
  stale?: string;
}

/** The `lookupDirectory` activity's input. */
export interface DirectoryQuery {
  userIds: string[];
  roleDefinitions: boolean;
}

/** The worker's identity activities, as workflows call them (local activities: their results are markers in history). */
export interface IdentityActivities {
  /** Undefined when the worker has no directory. */
  lookupDirectory(query: DirectoryQuery): Promise<DirectoryAnswer | undefined>;
  verifyCredential(check: CredentialCheck): Promise<CredentialVerdict>;
}
