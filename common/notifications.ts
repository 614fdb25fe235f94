import { z } from 'zod';
import { DurationSchema } from './duration';
import { SecretRefSchema, TextOrSecretSchema } from './secret-ref';

/**
 * Who hears that a run waits for a person, and where: the `notifications:` section of a platform policy scope (the
 * organisation's, or a team's, which replaces it for the team's runs). Pure contracts; the sending is an activity.
 */

const ChannelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'channel names are 1-64 letters, digits, ., _ or -, starting alnum');

/** Delivery attempts per notification (retried with backoff); a notification that fails them all is recorded failed. */
const Attempts = z.number().int().min(1).max(10);

const HttpUrl = z
  .string()
  .url('must be a URL')
  .refine((url) => /^https?:\/\//i.test(url), 'must be an http:// or https:// URL');

/** A URL given in the file (checked here) or by a secret reference (Slack's webhook URLs are credentials). */
const UrlOrSecret = z.union([HttpUrl, SecretRefSchema]);

export const WebhookChannelSchema = z.strictObject({
  type: z.literal('webhook'),
  name: ChannelName.optional(),
  url: UrlOrSecret,
  /** The HMAC key for X-Reins-Signature, by reference only. */
  secret: SecretRefSchema,
  attempts: Attempts.optional(),
});

export const SlackChannelSchema = z.strictObject({
  type: z.literal('slack'),
  name: ChannelName.optional(),
  /** The incoming webhook's URL; a reference to a secret holding it keeps it out of the policy file. */
  url: UrlOrSecret,
  attempts: Attempts.optional(),
});

const Address = z.email('must be an email address').max(254);

export const EmailChannelSchema = z.strictObject({
  type: z.literal('email'),
  name: ChannelName.optional(),
  smtp: z.strictObject({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    auth: z.strictObject({ user: TextOrSecretSchema, pass: SecretRefSchema }).optional(),
  }),
  from: Address,
  /** Fixed recipients, e.g. the team's on-call list. */
  to: z.array(Address).max(50).default([]),
  /**
   * Each user among the gate's approvers gets mail at this address, `{user}` replaced by the name (e.g.
   * `{user}@example.com`); names that would not make a plain address are skipped.
   */
  approverAddress: z
    .string()
    .max(254)
    .regex(/^[^\s@{}]*\{user\}[^\s@{}]*@[A-Za-z0-9.-]+$/, 'must look like {user}@example.com')
    .optional(),
  attempts: Attempts.optional(),
});

export const NotificationChannelSchema = z.discriminatedUnion('type', [
  WebhookChannelSchema,
  SlackChannelSchema,
  EmailChannelSchema,
]);
export type NotificationChannel = z.output<typeof NotificationChannelSchema>;

export const NotificationSettingsSchema = z
  .strictObject({
    channels: z.array(NotificationChannelSchema).min(1).max(20),
    /** A reminder this long before a gate (each stage) times out; none when unset. */
    remindBefore: DurationSchema.optional(),
    /** Whether a gate that escalates notifies its escalation group. */
    escalations: z.boolean().default(true),
  })
  .superRefine((settings, ctx) => {
    const seen = new Set<string>();
    settings.channels.forEach((channel, index) => {
      if (channel.type === 'email' && channel.to.length === 0 && !channel.approverAddress) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', index, 'to'],
          message: 'an email channel needs `to` or `approverAddress`',
        });
      }
      const name = channelName(channel, index);
      if (seen.has(name))
        ctx.addIssue({
          code: 'custom',
          path: ['channels', index, 'name'],
          message: `channel name ${name} is used twice`,
        });
      seen.add(name);
    });
  });
export type NotificationSettings = z.output<typeof NotificationSettingsSchema>;

/** How a channel is named in the run's records: its own name, or its type and place in the list. */
export function channelName(channel: NotificationChannel, index: number): string {
  return channel.name ?? `${channel.type}-${index + 1}`;
}

/** Why a notification is sent. */
export type NotificationKind = 'gate' | 'reminder' | 'escalation';

/** Bounds on the outside strings a notification carries (approver names, tool names, arguments, the rule). */
export const NOTICE_BOUNDS = { text: 200, args: 4_000, names: 20 } as const;

/** One notification as the workflow asks for it: what happened, and the channel to tell. Names, never secret values. */
export interface NotificationRequest {
  /** Stable per run, request, stage, kind and channel: receivers deduplicate retried deliveries by it. */
  id: string;
  kind: NotificationKind;
  channel: NotificationChannel;
  channelName: string;
  runId: string;
  requestId: string;
  agent: string;
  userId: string;
  team: string;
  tool: string;
  toolClass: string;
  /** The call's arguments as JSON, cut to NOTICE_BOUNDS.args characters (`argsOmitted` says how many were left out). */
  argsJson: string;
  argsOmitted: number;
  rule: string;
  /** The model's text in the turn that asked for the call, cut to 1,000 characters. */
  reasoning?: string;
  stage: 'primary' | 'escalated';
  requestedAt: string;
  expiresAt: string;
  approvers: { users: string[]; roles: string[] } | null;
}

/** What the run's state keeps of a notification: where it went and how it ended. */
export interface NotificationRecord {
  id: string;
  kind: NotificationKind;
  requestId: string;
  stage: 'primary' | 'escalated';
  channel: string;
  status: 'sending' | 'sent' | 'failed';
  at: string;
  /** Recipients an email reached, or an endpoint's HTTP status. */
  detail?: string;
  error?: string;
}

/** What the notify activity returns. */
export interface NotificationReceipt {
  detail: string;
}

/** Notifications kept in a run's state: the newest ones. */
export const MAX_NOTIFICATION_RECORDS = 200;
