import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { RoleDefinitionSchema } from '../common/tool-policy';
import { describeZodIssues } from '../common/zod-issues';
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
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ReinsClientError(`cannot read the roles file ${file}: ${(error as Error).message}`);
  }
  const parsed = RolesFileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ReinsClientError(`roles file ${file} is invalid: ${describeZodIssues(parsed.error)}`);
  for (const [user, roles] of Object.entries(parsed.data.users)) {
    const unknown = roles.filter((role) => !(role in parsed.data.roles));
    if (unknown.length)
      throw new ReinsClientError(`roles file ${file}: users.${user} names undefined roles: ${unknown.join(', ')}`);
  }
  return parsed.data;
}
