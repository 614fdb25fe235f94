import { z } from 'zod';
import { ApprovalSettingsSchema, ApproverSetSchema, TimeoutActionSchema, ToolApprovalSchema } from './approval-policy';
import { BudgetSchema } from './budget';
import { DurationSchema } from './duration';

/** Tool names as providers accept them in function definitions. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

export const ToolClassSchema = z.enum(['read', 'write', 'destructive']);
export type ToolClass = z.infer<typeof ToolClassSchema>;

export const AgentToolSchema = z.strictObject({
  name: z.string().regex(TOOL_NAME_PATTERN, 'tool names are 1-64 letters, digits, _ or -'),
  approval: ToolApprovalSchema.default('default'),
  /** Who may decide this tool's calls; overrides the spec's per-class and default approvers. */
  approvers: ApproverSetSchema.optional(),
  /** How long this tool's approval gate waits; overrides approvals.timeout. */
  timeout: DurationSchema.optional(),
  onTimeout: TimeoutActionSchema.optional(),
});
export type AgentTool = z.infer<typeof AgentToolSchema>;

export const ModelSettingsSchema = z.strictObject({
  /** The model id sent to the provider, e.g. `gpt-4o-mini`. */
  name: z.string().min(1),
  temperature: z.number().min(0).max(2).optional(),
  /** Upper bound for one response's output tokens. */
  maxOutputTokens: z.number().int().positive().optional(),
});

export const AgentSpecSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/, 'agent names are 1-64 letters, digits, ., _ or -, starting alnum'),
    description: z.string().optional(),
    instructions: z.string().min(1, 'instructions must not be empty'),
    model: ModelSettingsSchema,
    tools: z.array(AgentToolSchema).default([]),
    /** Model calls a run may make before it stops as budget_exhausted. */
    maxSteps: z.number().int().positive().max(10_000).default(20),
    /** Tool-call, token, cost and wall-clock limits; callers may lower them per run. */
    budget: BudgetSchema.prefault({}),
    approvals: ApprovalSettingsSchema.prefault({}),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.tools.forEach((tool, index) => {
      if (tool.onTimeout === 'escalate' && !spec.approvals.escalation) {
        ctx.addIssue({
          code: 'custom',
          path: ['tools', index, 'onTimeout'],
          message: 'onTimeout: escalate needs approvals.escalation (the group to escalate to)',
        });
      }
      if (seen.has(tool.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tools', index, 'name'],
          message: `tool "${tool.name}" is listed twice`,
        });
      }
      seen.add(tool.name);
    });
  });

/** What a spec file or caller writes (defaults optional). */
export type AgentSpecInput = z.input<typeof AgentSpecSchema>;
/** A validated spec with defaults filled in. */
export type AgentSpec = z.output<typeof AgentSpecSchema>;
