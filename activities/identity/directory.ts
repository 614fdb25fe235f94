import type { DirectoryAnswer, DirectoryEntry, DirectoryQuery } from '../../common/identity/directory';
import type { RoleDefinition } from '../../common/policy/tool-settings';
import { WatchedFile } from '../../shared/watched-file';
import { readRolesFile, type LoadedRolesFile } from './roles-file';

/**
 * Where a worker learns who users are: their roles, their teams, and what each role may use. The platform controls
 * it, never the caller: runs and decisions take roles from here when the worker has one. An organisation implements
 * it over its own directory (LDAP, SCIM, an HTTP service...) and passes it to the worker; `RolesFileDirectory` is the
 * built-in one, over REINS_ROLES_FILE.
 *
 * `lookup` answers every asked user id that it answers at all with `userId` exactly as asked (an id it does not know
 * gets `known: false` and only the `default` role, if the directory has one), and `roleDefinitions` only when
 * `query.roleDefinitions` is true. It throws DirectoryInvalidError when it cannot answer and retrying will not help
 * (it is misconfigured); any other error is taken as transient and the lookup is retried.
 */
export interface Directory {
  lookup(query: DirectoryQuery): Promise<DirectoryAnswer>;
}

/** The directory cannot answer and no retry will change that (for a roles file: it has never been valid). */
export class DirectoryInvalidError extends Error {
  override name = 'DirectoryInvalidError';
}

/** The role a user the directory does not name holds, when the directory defines it. */
export const DEFAULT_ROLE = 'default';

/**
 * The operator's roles file as a directory, re-read whenever it changes on disk (see WatchedFile): a change that
 * makes it invalid keeps the last good version answering, marked stale; a file never valid answers nothing.
 */
export class RolesFileDirectory implements Directory {
  private readonly watched: WatchedFile<LoadedRolesFile>;

  constructor(readonly file: string) {
    this.watched = new WatchedFile(
      file,
      readRolesFile,
      (problem) => new DirectoryInvalidError(problem || `cannot read the roles file ${file}`),
    );
  }

  /** Throws DirectoryInvalidError when the file has never been valid; the worker calls it at start to fail early. */
  check(): void {
    this.watched.get();
  }

  lookup(query: DirectoryQuery): Promise<DirectoryAnswer> {
    // Synchronous work behind a promise: a read failure becomes a rejection, as an organisation's directory would.
    return new Promise((resolve) => resolve(this.answer(query)));
  }

  private answer(query: DirectoryQuery): DirectoryAnswer {
    const { value: file, stale } = this.watched.get();
    const fallback = file.roles.has(DEFAULT_ROLE) ? [DEFAULT_ROLE] : [];
    const entries = query.userIds.map((userId): DirectoryEntry => {
      const user = file.users.get(userId);
      return user
        ? { userId, known: true, roles: [...user.roles], teams: [...user.teams] }
        : { userId, known: false, roles: [...fallback], teams: [] };
    });
    return {
      source: `roles file ${file.version}`,
      entries,
      // fromEntries defines own properties, so a role named like `constructor` is data, not the prototype's.
      ...(query.roleDefinitions ? { roleDefinitions: definitionsOf(file.roles) } : {}),
      ...(stale === undefined ? {} : { stale }),
    };
  }
}

function definitionsOf(roles: ReadonlyMap<string, RoleDefinition>): Record<string, RoleDefinition> {
  return Object.fromEntries(
    [...roles].map(([name, definition]) => [
      name,
      {
        ...(definition.tools ? { tools: [...definition.tools] } : {}),
        ...(definition.classes ? { classes: [...definition.classes] } : {}),
      },
    ]),
  );
}
