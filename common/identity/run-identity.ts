import type { RoleDefinition } from '../policy/tool-settings';
import type { CredentialEvidence } from './credentials';

/**
 * Who a run acts for and what that user may use, as settled when the run started and recorded in its state.
 * `directory`: the worker's directory answered (caller-supplied roles are refused); `caller`: the worker has no
 * directory, so the roles in the run input apply, as a single-user setup wants; they widen nothing a platform decides.
 */
export interface RunIdentity {
  source: 'directory' | 'caller';
  userId: string;
  /** Which directory and version answered (directory only). */
  directory?: string;
  /** False when the directory does not name the user (who then holds only its `default` role). */
  known: boolean;
  roles: string[];
  teams: string[];
  /** What each role may use: tools follow the user's roles whenever this holds any definition. */
  roleDefinitions: Record<string, RoleDefinition>;
  /** Role-based limits apply (always with a directory; with caller roles only when the caller defined some). */
  restricted: boolean;
  /** What the requester's credential proved, when the run started with one. */
  evidence?: CredentialEvidence;
}
