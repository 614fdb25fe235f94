import { z } from 'zod';
import { RoleDefinitionSchema } from '../common/policy/tool-settings';
import { readConfigFile } from './config-file';
import { ReinsClientError } from './errors';

/**
 * The operator's roles file (REINS_ROLES_FILE): what each role may use, and which roles each user holds.
 *
 *   roles:
 *     analyst: { classes: [read] }
 *     ops: { classes: [read, write, destructive] }
 *     default: { tools: [read_file, list_files] }
 *   users:
 *     alice: [analyst]
 *     olga: [ops]
 */
export const RolesFileSchema = z.strictObject({
  roles: z.record(z.string(), RoleDefinitionSchema).default({}),
  users: z.record(z.string(), z.array(z.string().min(1))).default({}),
});
export type RolesFile = z.output<typeof RolesFileSchema>;

export function loadRolesFile(file: string | undefined = process.env.REINS_ROLES_FILE): RolesFile {
  if (!file) return { roles: {}, users: {} };
  const parsed = readConfigFile(file, RolesFileSchema, 'roles file');
  for (const [user, held] of Object.entries(parsed.users)) {
    const unknown = held.filter((role) => !(role in parsed.roles));
    if (unknown.length) {
      throw new ReinsClientError(`roles file ${file}: users.${user} names undefined roles: ${unknown.join(', ')}`);
    }
  }
  return parsed;
}
