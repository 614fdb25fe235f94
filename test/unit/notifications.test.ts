import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { AgentSpecSchema } from '../../common/agent-spec';
import { NOTICE_BOUNDS, type NotificationRequest, type NotificationSettings } from '../../common/notifications';
import { PlatformPolicySchema } from '../../common/policy/platform-policy';
import { evaluatePolicy } from '../../common/policy/resolve';
import type { ApprovalRequest } from '../../common/run-state';
import { readPolicyFile } from '../../shared/policy-file';
import { emailRecipients, emailSubject } from '../../activities/notify/email';
import { consoleLink, summaryLines } from '../../activities/notify/notice-text';
import { slackMessage, slackText } from '../../activities/notify/slack';
import { webhookPayload, webhookSignature } from '../../activities/notify/webhook';
import {
  announcementOf,
  boundedArgs,
  keepRecord,
  noticeRecorded,
  noticeRequests,
  reminderAt,
} from '../../workflows/approvals/notice-plan';
import { loadWorkerConfig } from '../../worker/config';
import { describeRun } from '../../workflows/run/visibility';
import { stateWith } from '../helpers/run-states';

const hook = { type: 'webhook', url: 'https://hooks.example.com/reins', secret: { secret: 'HOOK_KEY' } };

function policyFileWith(notifications: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reins-notify-')), 'policy.yaml');
  fs.writeFileSync(file, stringify({ org: { notifications } }));
  return file;
}

const request = (overrides: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  requestId: '1-1',
  step: 1,
  toolCallId: 'c1',
  tool: 'delete_file',
  toolClass: 'destructive',
  args: { path: 'a.txt' },
  rule: 'delete_file is destructive; destructive tools need approval',
  requestedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:10:00.000Z',
  onTimeout: 'escalate',
  stage: 'primary',
  approvers: { users: ['dana'], roles: ['ops'] },
  ...overrides,
});

const settings = (overrides: Partial<NotificationSettings> = {}): NotificationSettings => ({
  channels: [
    PlatformPolicySchema.parse({ org: { notifications: { channels: [hook] } } }).org.notifications!.channels[0]!,
  ],
  escalations: true,
  ...overrides,
});

const run = { runId: 'r-1', agent: 'file-clerk', userId: 'u', team: 'default' };

describe('the notifications section of the platform policy', () => {
  test('valid channels parse, with defaults', () => {
    const parsed = PlatformPolicySchema.parse({
      org: {
        notifications: {
          channels: [
            hook,
            { type: 'slack', url: { secret: 'SLACK_URL' } },
            {
              type: 'email',
              smtp: { host: 'smtp.example.com' },
              from: 'r@example.com',
              approverAddress: '{user}@example.com',
            },
          ],
          remindBefore: '10m',
        },
      },
    });
    expect(parsed.org.notifications).toMatchObject({ remindBefore: 600_000, escalations: true });
    expect(parsed.org.notifications!.channels[2]).toMatchObject({ smtp: { port: 587, secure: false }, to: [] });
  });

  test.each([
    [{ channels: [] }, 'org.notifications.channels'],
    [{ channels: [{ ...hook, url: 'ftp://x.example.com' }] }, 'org.notifications.channels.0.url'],
    [{ channels: [{ ...hook, secret: 'plain-text-secret' }] }, 'org.notifications.channels.0.secret'],
    [{ channels: [{ type: 'pager', url: 'https://x.example.com' }] }, 'org.notifications.channels.0.type'],
    [{ channels: [hook], remindBefore: 'soon' }, 'org.notifications.remindBefore'],
    [{ channels: [hook], escalation: true }, 'org.notifications'],
    [{ channels: [{ type: 'email', smtp: { host: 'h' }, from: 'r@example.com' }] }, 'org.notifications.channels.0.to'],
    [
      { channels: [{ type: 'email', smtp: { host: 'h' }, from: 'r@example.com', to: ['x\r\nBcc: y@z'] }] },
      'org.notifications.channels.0.to.0',
    ],
    [
      { channels: [{ type: 'email', smtp: { host: 'h' }, from: 'r@example.com', approverAddress: '{user}' }] },
      'org.notifications.channels.0.approverAddress',
    ],
    [
      {
        channels: [
          { ...hook, name: 'a' },
          { ...hook, name: 'a' },
        ],
      },
      'org.notifications.channels.1.name',
    ],
  ])('%j is refused naming %s', (notifications, field) => {
    const file = policyFileWith(notifications);
    expect(() => readPolicyFile(file)).toThrow(`platform policy ${file} is invalid: ${field}`);
  });

  test("a team's section replaces the organisation's for the team's runs", () => {
    const teamHook = { ...hook, name: 'payments' };
    const policy = PlatformPolicySchema.parse({
      org: { notifications: { channels: [hook] } },
      teams: { payments: { notifications: { channels: [teamHook], remindBefore: '5m' } } },
    });
    const spec = AgentSpecSchema.parse({ name: 'a', instructions: 'i', model: { name: 'm' }, tools: [] });
    const of = (team: string) =>
      evaluatePolicy({ platform: { policy, version: 'v' }, spec, run: { userId: 'u', team } }).policy.notifications;
    expect(of('payments')).toMatchObject({ source: 'team payments', value: { remindBefore: 300_000 } });
    expect(of('payments')!.value.channels.map((c) => c.name)).toEqual(['payments']);
    expect(of('other')).toMatchObject({ source: 'org' });
    expect(evaluatePolicy({ platform: undefined, spec, run: { userId: 'u', team: 'x' } }).policy.notifications).toBe(
      undefined,
    );
  });

  test('REINS_CONSOLE_URL is read and checked', () => {
    const env = { OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' };
    expect(loadWorkerConfig({ ...env, REINS_CONSOLE_URL: 'https://reins.example.com' }).consoleUrl).toBe(
      'https://reins.example.com',
    );
    expect(loadWorkerConfig(env).consoleUrl).toBeUndefined();
    expect(() => loadWorkerConfig({ ...env, REINS_CONSOLE_URL: 'javascript:alert(1)' })).toThrow(/REINS_CONSOLE_URL/);
  });
});

describe('what a notification says and when', () => {
  test('gates are announced; escalations only when the settings say so', () => {
    expect(announcementOf(request(), settings())).toBe('gate');
    expect(announcementOf(request({ stage: 'escalated' }), settings())).toBe('escalation');
    expect(announcementOf(request({ stage: 'escalated' }), settings({ escalations: false }))).toBeUndefined();
  });

  test('a reminder is due remindBefore ahead of the timeout, never in the past', () => {
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    expect(reminderAt(request(), settings(), start)).toBeUndefined();
    expect(reminderAt(request(), settings({ remindBefore: 120_000 }), start)).toBe(start + 480_000);
    expect(reminderAt(request(), settings({ remindBefore: 900_000 }), start)).toBeUndefined();
    expect(reminderAt(request({ stage: 'escalated' }), settings({ remindBefore: 1, escalations: false }), start)).toBe(
      undefined,
    );
  });

  test('arguments are cut to their bound, never inside a surrogate pair', () => {
    expect(boundedArgs({ a: 1 })).toEqual({ argsJson: '{"a":1}', argsOmitted: 0 });
    const big = boundedArgs({ text: '😀'.repeat(5_000) });
    expect(big.argsJson.length).toBeLessThanOrEqual(NOTICE_BOUNDS.args);
    expect(big.argsJson.length + big.argsOmitted).toBe(JSON.stringify({ text: '😀'.repeat(5_000) }).length);
    expect(/[\ud800-\udbff]$/.test(big.argsJson)).toBe(false);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(boundedArgs(cyclic).argsJson).toContain('cannot be shown');
  });

  test('one notice per channel, with outside strings bounded and stable ids', () => {
    const long = 'n'.repeat(5_000);
    const [notice] = noticeRequests(
      'gate',
      request({ tool: long, approvers: { users: Array(50).fill(long), roles: [] } }),
      settings(),
      run,
    );
    expect(notice!.id).toBe('r-1/1-1/primary/gate/webhook-1');
    expect(notice!.tool.length).toBe(NOTICE_BOUNDS.text);
    expect(notice!.approvers!.users).toHaveLength(NOTICE_BOUNDS.names);
    expect(notice!.approvers!.users[0]!.length).toBe(NOTICE_BOUNDS.text);
  });

  test('records are matched by request, stage and kind, and bounded', () => {
    const records = [] as Parameters<typeof keepRecord>[0];
    const base = { id: 'x', requestId: '1-1', stage: 'primary' as const, channel: 'c', at: 't' };
    for (let i = 0; i < 250; i += 1)
      keepRecord(records, { ...base, kind: 'gate', status: i === 0 ? 'sending' : 'sent' });
    expect(records).toHaveLength(200);
    expect(records[0]!.status).toBe('sending');
    expect(noticeRecorded(records, request(), 'gate')).toBe(true);
    expect(noticeRecorded(records, request(), 'reminder')).toBe(false);
    expect(noticeRecorded(records, request({ stage: 'escalated' }), 'gate')).toBe(false);
  });
});

describe('channels format hostile text safely', () => {
  const notice = (overrides: Partial<NotificationRequest> = {}): NotificationRequest => ({
    ...noticeRequests('gate', request(), settings(), run)[0]!,
    ...overrides,
  });

  test('the webhook signature is HMAC-SHA256 over the timestamp and the raw body', () => {
    expect(webhookSignature('key', '1700000000', '{"a":1}')).toBe(
      `sha256=${createHmac('sha256', 'key').update('1700000000.{"a":1}').digest('hex')}`,
    );
    expect(webhookPayload(notice(), 'https://c/runs/r-1/approvals/1-1', 0)).toMatchObject({
      type: 'approval.requested',
      consoleUrl: 'https://c/runs/r-1/approvals/1-1',
      arguments: '{"path":"a.txt"}',
    });
  });

  test('Slack mrkdwn: no mentions, links or formatting can be slipped in, the code block cannot be closed', () => {
    expect(slackText('<!channel> <https://evil|click> *b* _i_ ~s~ `c` &amp;')).toBe(
      '&lt;!channel&gt; &lt;https://evil|click&gt; ∗b∗ ˍiˍ ∼s∼ ˋcˋ &amp;amp;',
    );
    const message = slackMessage(
      notice({ tool: '<!here>', argsJson: '{"x":"```<@U1>```"}', approvers: { users: ['<!channel>'], roles: [] } }),
      'https://c/runs/r-1/approvals/1-1',
    );
    expect(message.text).not.toMatch(/<!|<@/);
    expect(message.text.match(/```/g)).toHaveLength(2);
    expect(message.text).toContain('<https://c/runs/r-1/approvals/1-1|Open the request in the console>');
  });

  test('email: a subject is one line; approver names that are not plain local parts are not mailed', () => {
    const hostile = notice({ tool: 'x\r\nBcc: evil@evil.test', runId: 'r\n1' });
    expect(emailSubject(hostile)).not.toMatch(/[\r\n]/);
    const channel = {
      type: 'email' as const,
      smtp: { host: 'h', port: 25, secure: false },
      from: 'r@example.com',
      to: ['Oncall@example.com'],
      approverAddress: '{user}@example.com',
    };
    const recipients = emailRecipients(
      channel,
      notice({
        approvers: { users: ['dana', 'oncall', 'a@b.c', 'x,y', 'e\r\nBcc: z', '__proto__', '.a', 'a..b'], roles: [] },
      }),
    );
    expect(recipients).toEqual({ to: ['oncall@example.com', 'dana@example.com'], skipped: 6 });
    expect(summaryLines(hostile, undefined).join('\n')).toContain('x\\u000d\\u000aBcc: evil@evil.test');
  });

  test('console links escape the run and request ids', () => {
    expect(consoleLink('https://c.example.com/', 'a/b?c', '1-1')).toBe(
      'https://c.example.com/runs/a%2Fb%3Fc/approvals/1-1',
    );
    expect(consoleLink(undefined, 'a', 'b')).toBeUndefined();
  });
});

describe('the Temporal UI', () => {
  test("a waiting run's current details say where its approvers were notified and what failed", () => {
    const state = stateWith([request()], {
      notifications: [
        {
          id: 'a',
          kind: 'gate' as const,
          requestId: '1-1',
          stage: 'primary' as const,
          channel: 'ops-hook',
          status: 'sent' as const,
          at: 't',
        },
        {
          id: 'b',
          kind: 'gate' as const,
          requestId: '1-1',
          stage: 'primary' as const,
          channel: 'pager',
          status: 'failed' as const,
          at: 't',
          error: 'NotificationFailed: webhook pager answered 500',
        },
      ],
    });
    expect(describeRun(state)).toContain(
      'notified: ops-hook gate 1-1 sent · pager gate 1-1 failed (NotificationFailed: webhook pager answered 500)',
    );
  });
});
