import { z } from 'zod';
import {
  ApprovalSettingsSchema,
  ApproverSetSchema,
  QuorumSchema,
  TimeoutActionSchema,
  ToolApprovalSchema,
} from './policy/approval-settings';
import { BudgetSchema } from './budget';
import { BUILTIN_TOOL_CONFIGS } from './builtin-tool-config';
import { ContextSettingsSchema } from './context-settings';
import { findInlineCredentials, formatPath } from './credential-patterns';
import { DurationSchema } from './duration';
import { tooDeepAt } from './json-depth';
import { McpServerSpecSchema } from './mcp-server';
import { TeamNameSchema } from './policy/platform-policy';
import { ModelPolicySchema } from './providers';
import { ToolClassSchema } from './tool-class';
import { ToolPolicySchema } from './policy/tool-settings';
import { reportDuplicateNames } from './zod-issues';
import { ownValue } from './own';

/** How deep a tool's `config:` may nest arrays and objects; real settings stay within a handful of levels. */
export const MAX_CONFIG_DEPTH = 32;

/** Tool names as providers accept them in function definitions. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

export { ToolClassSchema, type ToolClass } from './tool-class';

export const AgentToolSchema = z.strictObject({
  name: z.string().regex(TOOL_NAME_PATTERN, 'tool names are 1-64 letters, digits, _ or -'),
  approval: ToolApprovalSchema.default('default'),
  /** Who may decide this tool's calls; overrides the spec's per-class and default approvers. */
  approvers: ApproverSetSchema.optional(),
  /** How long this tool's approval gate waits; overrides approvals.timeout. */
  timeout: DurationSchema.optional(),
  onTimeout: TimeoutActionSchema.optional(),
  /** Distinct approvals this tool's calls need; overrides approvals.quorum (the platform's minimum still holds). */
  quorum: QuorumSchema.optional(),
  /** Overrides the class the tool declares (or its MCP annotations suggest). */
  class: ToolClassSchema.optional(),
  /** Settings for the tool's code on the worker (hosts for http_request, the connection for sql). */
  config: z
    .record(z.string(), z.unknown())
    .superRefine((config, ctx) => {
      // Checked before anything walks the config: a value thousands of levels deep overflows recursive walks.
      const at = tooDeepAt(config, MAX_CONFIG_DEPTH);
      if (at) ctx.addIssue({ code: 'custom', path: at, message: `nested deeper than ${MAX_CONFIG_DEPTH} levels` });
    })
    .optional(),
  /**
   * Whether a call interrupted midway may simply be retried. `true` vouches for an MCP tool (its server's annotations
   * are only hints); a worker tool is idempotent only when it declares so itself, and `false` turns that off.
   */
  idempotent: z.boolean().optional(),
});
export type AgentTool = z.infer<typeof AgentToolSchema>;

export const ModelSettingsSchema = z
  .strictObject({
    /** The model id sent to the provider, e.g. `gpt-4o-mini`. */
    name: z.string().min(1),
    temperature: z.number().min(0).max(2).optional(),
    /** Upper bound for one response's output tokens. */
    maxOutputTokens: z.number().int().positive().optional(),
    /** The model's context window in tokens. */
    contextWindow: z.number().int().min(1024).default(128_000),
    /** Tokens kept free for the response when no maxOutputTokens is set. */
    outputReserve: z.number().int().positive().default(4096),
  })
  .superRefine((model, ctx) => {
    // What is kept for the response comes out of the window: a reserve as large as the window leaves no prompt at all,
    // and every call of such a run would end in ContextOverflow. Refused here, at start, naming the field.
    const field = model.maxOutputTokens !== undefined ? 'maxOutputTokens' : 'outputReserve';
    const reserved = model.maxOutputTokens ?? model.outputReserve;
    if (reserved >= model.contextWindow) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `${field} (${reserved}) must be smaller than contextWindow (${model.contextWindow}): the response's share leaves no room for the prompt`,
      });
    }
  });

export const AgentSpecSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/, 'agent names are 1-64 letters, digits, ., _ or -, starting alnum'),
    description: z.string().optional(),
    /** The team that owns the agent; its runs fall under that team's platform policy unless the caller names another. */
    team: TeamNameSchema.optional(),
    instructions: z.string().min(1, 'instructions must not be empty'),
    model: ModelSettingsSchema,
    /** Candidates across providers and how to choose; without it, `model` on the worker's default provider. */
    models: ModelPolicySchema.optional(),
    /** Tools by name: built-ins, the worker's own, or MCP tools (`server__tool`) to configure individually. */
    tools: z.array(AgentToolSchema).default([]),
    /** MCP servers whose tools the agent may use (filtered by `policy`). */
    mcpServers: z.array(McpServerSpecSchema).default([]),
    /** Allow and deny lists and per-class defaults. */
    policy: ToolPolicySchema.prefault({}),
    /** Model calls a run may make before it stops as budget_exhausted (20 unless the platform policy caps it lower). */
    maxSteps: z.number().int().positive().max(10_000).optional(),
    /** Tool-call, token, cost and wall-clock limits; callers may lower them per run. */
    budget: BudgetSchema.prefault({}),
    approvals: ApprovalSettingsSchema.prefault({}),
    /** `run`: a fresh workspace per run (default). `agent`: one directory that persists across the agent's runs. */
    workspace: z.enum(['run', 'agent']).default('run'),
    /** Context compaction and history roll-over for long runs. */
    context: ContextSettingsSchema.prefault({}),
    /** `recordContent: true` opts in to message content on trace spans where the platform policy leaves it opt-in. */
    telemetry: z.strictObject({ recordContent: z.boolean().optional() }).optional(),
  })
  .superRefine((spec, ctx) => {
    // Specs live in history and the UI in plain text: credentials belong in the worker, named by `{ secret }`.
    for (const found of findInlineCredentials(spec)) {
      ctx.addIssue({
        code: 'custom',
        path: found.path,
        message: `${formatPath(found.path)} looks like ${found.kind}; put it in the worker's secrets and refer to it as { "secret": "NAME" }`,
      });
    }
    reportDuplicateNames(ctx, spec.mcpServers, 'mcpServers', 'server');
    reportDuplicateNames(ctx, spec.tools, 'tools', 'tool');
    spec.tools.forEach((tool, index) => {
      if (tool.onTimeout === 'escalate' && !spec.approvals.escalation) {
        ctx.addIssue({
          code: 'custom',
          path: ['tools', index, 'onTimeout'],
          message: 'onTimeout: escalate needs approvals.escalation (the group to escalate to)',
        });
      }
      const configSchema = ownValue(BUILTIN_TOOL_CONFIGS, tool.name);
      const config = configSchema && tool.config !== undefined ? configSchema.safeParse(tool.config) : undefined;
      for (const issue of config?.error?.issues ?? []) {
        ctx.addIssue({ code: 'custom', path: ['tools', index, 'config', ...issue.path], message: issue.message });
      }
    });
  });

/** What a spec file or caller writes (defaults optional). */
export type AgentSpecInput = z.input<typeof AgentSpecSchema>;
/** A validated spec with defaults filled in. */
export type AgentSpec = z.output<typeof AgentSpecSchema>;
