import { z } from 'zod';
import { ApproversByClassSchema, ApproverSetSchema } from './approval-settings';
import { BudgetOverridesSchema } from '../budget';
import { DurationSchema } from '../duration';
import { IdentitySettingsSchema } from '../identity/identity-settings';
import { ToolClassSchema } from '../tool-class';
import { NotificationSettingsSchema } from '../notifications';

/** Team names as they appear on runs, in search attributes and on the command line. */
export const TeamNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'team names are 1-64 lower-case letters, digits, ., _ or -, starting alnum');

/** The team of a run that names none. It has no scope of its own unless the policy file defines one. */
export const DEFAULT_TEAM = 'default';

const Globs = z.array(z.string().min(1));

/** Names a scope allows and forbids; deny wins, and an `allow` list admits only what it matches. */
export const NameRulesSchema = z.strictObject({ allow: Globs.optional(), deny: Globs.default([]) });
export type NameRules = z.output<typeof NameRulesSchema>;

/** How strictly a scope treats message content on trace spans, from loosest to strictest. */
export const TRACE_CONTENT_RULES = ['allowed', 'opt-in', 'forbidden'] as const;
export type TraceContentRule = (typeof TRACE_CONTENT_RULES)[number];

/**
 * The rules one scope (the organisation, or a team) sets. Every field is optional: a scope that is silent on a rule
 * leaves it to the scope above, and a scope can only tighten what the one above it set.
 */
export const PolicyScopeSchema = z.strictObject({
  /** Ceilings: the most any run of this scope may use (agent specs and callers may only ask for less). */
  budget: BudgetOverridesSchema.optional(),
  /** USD one user's runs may spend per UTC day, across all their runs. */
  dailySpendUsd: z.number().positive().optional(),
  /** Classes whose calls always need a human decision (`approval`), whatever the agent spec says. */
  classes: z
    .strictObject({
      read: z.enum(['allow', 'approval']).optional(),
      write: z.enum(['allow', 'approval']).optional(),
      destructive: z.enum(['allow', 'approval']).optional(),
    })
    .optional(),
  /** Tools by policy name (`read_file`, `github.*`). */
  tools: NameRulesSchema.optional(),
  /** MCP servers by address: the URL of an HTTP server, the command line of a stdio one. */
  mcpServers: NameRulesSchema.optional(),
  /** Models as `provider/model` (`default/gpt-4o-mini`, `azure/*`); the worker's own provider is `default`. */
  models: NameRulesSchema.optional(),
  approvals: z
    .strictObject({
      /** Who must be among the deciders of every approval, on top of the agent spec's approvers. */
      approvers: ApproverSetSchema.optional(),
      /** The same, per tool class; replaces `approvers` for that class. */
      byClass: ApproversByClassSchema.optional(),
      /** The longest an approval gate may wait (each stage); also the default wait when the spec names none. */
      maxTimeout: DurationSchema.optional(),
      /**
       * Approvals that count only with a verified credential (an identity provider's token or a registered key's
       * signature): for these classes (all when omitted) and agents (globs over agent names; all when omitted).
       */
      verified: z
        .strictObject({
          classes: z.array(ToolClassSchema).min(1).optional(),
          agents: z.array(z.string().min(1)).min(1).optional(),
        })
        .optional(),
      /** The fewest distinct approvers a gate needs (per class when given as an object); specs may ask for more. */
      quorum: z
        .union([
          z.number().int().min(1).max(10),
          z.strictObject({
            read: z.number().int().min(1).max(10).optional(),
            write: z.number().int().min(1).max(10).optional(),
            destructive: z.number().int().min(1).max(10).optional(),
          }),
        ])
        .optional(),
      /** `false`: the user a run acts for may not approve its calls (separation of duties). */
      requesterMayApprove: z.boolean().optional(),
    })
    .optional(),
  /** `required`: code tools run only inside an isolating sandbox; a worker without one refuses them. */
  sandbox: z.strictObject({ codeTools: z.enum(['required', 'optional']) }).optional(),
  /** `forbidden`: no message content on spans; `opt-in`: only for agents whose spec asks; `allowed`: unless it opts out. */
  traces: z.strictObject({ content: z.enum(TRACE_CONTENT_RULES) }).optional(),
  /** Who hears of runs waiting for a decision, and where; a team's section replaces the organisation's. */
  notifications: NotificationSettingsSchema.optional(),
});
export type PolicyScope = z.output<typeof PolicyScopeSchema>;

export const TeamScopeSchema = PolicyScopeSchema.extend({
  /** When set, only these users may start runs for the team. */
  members: z.array(z.string().min(1)).optional(),
});
export type TeamScope = z.output<typeof TeamScopeSchema>;

export const PlatformPolicySchema = z.strictObject({
  org: PolicyScopeSchema.prefault({}),
  /** Who vouches for users and approvers: identity providers and approvers' signing keys. Organisation-wide. */
  identity: IdentitySettingsSchema.optional(),
  teams: z.record(TeamNameSchema, TeamScopeSchema).default({}),
});
export type PlatformPolicy = z.output<typeof PlatformPolicySchema>;

/** A platform policy as a worker loaded it: the rules plus which version of the file they came from. */
export interface LoadedPolicy {
  policy: PlatformPolicy;
  /** First 12 hex digits of the file's SHA-256: names the version in history, audits and `policy explain`. */
  version: string;
  /** Set when the file changed into something invalid: the worker kept this (last good) version. */
  stale?: string;
}
