import { z } from 'zod';
import { hasOwnKey } from '../own';
import { RoleDefinitionSchema } from '../policy/tool-settings';

const NameSchema = z.string().min(1).max(200);

/** One user's entry: the roles alone (`[analyst]`), or roles and teams (`{ roles: [analyst], teams: [payments] }`). */
export const RolesFileUserSchema = z.union([
  z.array(NameSchema),
  z.strictObject({ roles: z.array(NameSchema).default([]), teams: z.array(NameSchema).default([]) }),
]);

/**
 * The operator's roles file (REINS_ROLES_FILE, read by the workers): what each role may use, and which roles (and
 * teams) each user holds. A user naming a role the file does not define is refused, so a typo never grants nothing
 * silently or, worse, a role defined later by someone else.
 *
 *   roles:
 *     analyst: { classes: [read] }
 *     ops: { classes: [read, write, destructive] }
 *     default: { tools: [read_file, list_files] }
 *   users:
 *     alice: [analyst]
 *     olga: { roles: [ops], teams: [payments] }
 */
export const RolesFileSchema = z
  .strictObject({
    roles: z.record(NameSchema, RoleDefinitionSchema).default({}),
    users: z.record(NameSchema, RolesFileUserSchema).default({}),
  })
  .superRefine((file, context) => {
    for (const [user, entry] of Object.entries(file.users)) {
      const held = Array.isArray(entry) ? entry : entry.roles;
      const unknown = held.filter((role) => !hasOwnKey(file.roles, role));
      if (unknown.length > 0) {
        context.addIssue({
          code: 'custom',
          path: ['users', user],
          message: `names undefined roles: ${unknown.join(', ')}`,
        });
      }
    }
  });
export type RolesFile = z.output<typeof RolesFileSchema>;
