import { z } from 'zod';
import { ToolClassSchema } from '../tool-class';

/**
 * What happens by default to calls of each class; `destructive: allow` is the explicit waiver of approvals. Unset
 * classes follow the platform policy, else the defaults (read and write run, destructive waits).
 */
export const ClassRulesSchema = z.strictObject({
  read: z.enum(['allow', 'approval']).optional(),
  write: z.enum(['allow', 'approval']).optional(),
  destructive: z.enum(['allow', 'approval']).optional(),
});
export type ClassRules = z.output<typeof ClassRulesSchema>;

/** Which tools the agent may use at all: globs over policy names (`read_file`, `github.*`). Deny wins. */
export const ToolPolicySchema = z.strictObject({
  allow: z.array(z.string().min(1)).optional(),
  deny: z.array(z.string().min(1)).default([]),
  classes: ClassRulesSchema.prefault({}),
});
export type ToolPolicy = z.output<typeof ToolPolicySchema>;

/** A role's reach: the tools (globs) and classes its holders' runs may use. Omitted = no limit on that axis. */
export const RoleDefinitionSchema = z.strictObject({
  tools: z.array(z.string().min(1)).optional(),
  classes: z.array(ToolClassSchema).optional(),
});
export type RoleDefinition = z.output<typeof RoleDefinitionSchema>;
