import { z } from 'zod';
import { DurationSchema } from '../duration';

/** Who may decide: named users, or anyone holding one of the roles. */
export const ApproverSetSchema = z
  .strictObject({
    users: z.array(z.string().min(1)).default([]),
    roles: z.array(z.string().min(1)).default([]),
  })
  .refine((set) => set.users.length + set.roles.length > 0, 'name at least one user or role');
export type ApproverSet = z.output<typeof ApproverSetSchema>;

/**
 * A condition on a call's arguments. `arg` is a dotted path into the arguments (`path`, `order.amount`); exactly one
 * test applies: a glob for strings, a bound for numbers, or equality.
 */
export const ArgConditionSchema = z
  .strictObject({
    arg: z.string().min(1),
    glob: z.string().min(1).optional(),
    above: z.number().optional(),
    atLeast: z.number().optional(),
    below: z.number().optional(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    oneOf: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .optional(),
  })
  .refine(
    (c) => [c.glob, c.above, c.atLeast, c.below, c.equals, c.oneOf].filter((v) => v !== undefined).length === 1,
    'give exactly one of glob, above, atLeast, below, equals, oneOf',
  );
export type ArgCondition = z.output<typeof ArgConditionSchema>;

/**
 * When a call needs a human decision. `default` follows the tool's class (destructive tools wait), `when` waits only
 * if any of its conditions holds for the call's arguments.
 */
export const ToolApprovalSchema = z.union([
  z.enum(['default', 'never', 'always']),
  z.strictObject({ when: z.array(ArgConditionSchema).min(1) }),
]);
export type ToolApproval = z.output<typeof ToolApprovalSchema>;

export const TimeoutActionSchema = z.enum(['reject', 'escalate']);

/**
 * How many distinct approvers a gate needs: a count, or a count with groups each of which must be represented among
 * the approvers (`{ approvals: 2, groups: [{ roles: [ops] }, { roles: [security] }] }`: one of each).
 */
export const QuorumSchema = z.union([
  z.number().int().min(1).max(10),
  z
    .strictObject({
      approvals: z.number().int().min(1).max(10),
      groups: z.array(ApproverSetSchema).max(10).default([]),
    })
    .refine((q) => q.groups.length <= q.approvals, 'a quorum cannot need more groups than approvals'),
]);
export type Quorum = z.output<typeof QuorumSchema>;

/** Approvers per tool class. */
export const ApproversByClassSchema = z.strictObject({
  read: ApproverSetSchema.optional(),
  write: ApproverSetSchema.optional(),
  destructive: ApproverSetSchema.optional(),
});

/** Run-wide approval settings: default approvers (per class too), how long a gate waits, and what happens then. */
export const ApprovalSettingsSchema = z
  .strictObject({
    approvers: ApproverSetSchema.optional(),
    byClass: ApproversByClassSchema.default({}),
    /** How long a gate waits; a day unless the platform policy sets a shorter maximum. */
    timeout: DurationSchema.optional(),
    onTimeout: TimeoutActionSchema.default('reject'),
    /** Distinct approvals every gate needs (1 unless set); the platform policy may ask for more. */
    quorum: QuorumSchema.optional(),
    escalation: z.strictObject({ approvers: ApproverSetSchema, timeout: DurationSchema.optional() }).optional(),
    /**
     * A write or destructive call that was interrupted with its effect unknown: `refuse` tells the model and runs
     * nothing more; `approval` also asks a person (through a new gate) whether to run it again.
     */
    onOutcomeUnknown: z.enum(['refuse', 'approval']).default('refuse'),
  })
  .refine((s) => s.onTimeout !== 'escalate' || s.escalation !== undefined, {
    message: 'onTimeout: escalate needs an escalation group (escalation.approvers)',
    path: ['escalation'],
  });
export type ApprovalSettings = z.output<typeof ApprovalSettingsSchema>;
