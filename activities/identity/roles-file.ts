import type { RoleDefinition } from '../../common/policy/tool-settings';
import { RolesFileSchema } from '../../common/identity/roles-file-schema';
import { ownValue } from '../../common/own';
import { describeZodIssues } from '../../common/zod-issues';
import { readYamlFile } from '../../shared/yaml-file';

/** What one user holds, as the roles file says. */
export interface RolesFileUser {
  roles: string[];
  teams: string[];
}

/** A valid roles file, keyed by Maps so that no user id or role name is ever looked up on a plain object. */
export interface LoadedRolesFile {
  /** The first 12 hex digits of the file's SHA-256: which version of the file answered. */
  version: string;
  roles: ReadonlyMap<string, RoleDefinition>;
  users: ReadonlyMap<string, RolesFileUser>;
}

export class RolesFileError extends Error {
  override name = 'RolesFileError';
}

/**
 * A key the YAML parser keeps but zod's records drop without a word (`__proto__`): refused by name instead, so an
 * operator never believes a user holds roles the directory will not grant.
 */
function reservedKeys(raw: unknown): string[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const found: string[] = [];
  for (const section of ['roles', 'users'] as const) {
    const value = ownValue(raw as Record<string, unknown>, section);
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
      found.push(`${section}.__proto__: not a usable name`);
    }
  }
  return found;
}

/** Reads and validates a roles file; the error names the file and each bad field. */
export function readRolesFile(file: string): LoadedRolesFile {
  const { raw, version } = readYamlFile(
    file,
    (problem) => new RolesFileError(`cannot read the roles file ${file}: ${problem}`),
  );
  const reserved = reservedKeys(raw);
  if (reserved.length > 0) throw new RolesFileError(`roles file ${file} is invalid: ${reserved.join('; ')}`);
  const parsed = RolesFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new RolesFileError(`roles file ${file} is invalid: ${describeZodIssues(parsed.error)}`);
  }
  const users = new Map<string, RolesFileUser>();
  for (const [user, entry] of Object.entries(parsed.data.users)) {
    users.set(user, Array.isArray(entry) ? { roles: entry, teams: [] } : entry);
  }
  return {
    version,
    roles: new Map(Object.entries(parsed.data.roles)),
    users,
  };
}
