import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { NotificationRecord } from '../../common/notifications';
import { fileClerkSpec, tempDataDir, waitForState, withReins } from '../helpers/harness';
import { useNotificationSinks, verifyReinsSignature } from '../helpers/notify-receiver';

const SECRET = 'whsec-test-0123456789';
process.env.REINS_TEST_NOTIFY_SECRET = SECRET;

const uniqueId = (prefix: string) => `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

function policyFile(notifications: unknown): string {
  const file = path.join(tempDataDir(), 'policy.yaml');
  writeFileSync(file, stringify({ org: { notifications } }));
  return file;
}

const deleteThenAnswer = [
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } },
  { reply: { content: 'done' } },
];

/** What the model says before the call travels with the request to approvers. */
const REASONING = 'a.txt is a stale export; removing it frees the name for the new one.';
const reasonedDelete = [
  { reply: { content: REASONING, toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } },
  { reply: { content: 'done' } },
];

const settled = (records: NotificationRecord[] | undefined, count: number) =>
  (records ?? []).filter((r) => r.status !== 'sending').length >= count && records;

describe('approver notifications', () => {
  const sinks = useNotificationSinks();
  let receiver: ReturnType<typeof sinks.receiver>;
  let smtp: ReturnType<typeof sinks.smtp>;
  beforeAll(() => {
    receiver = sinks.receiver();
    smtp = sinks.smtp();
  });

  test('a gate reached notifies a signed webhook, Slack and email with a console link; the run goes on', async () => {
    process.env.REINS_TEST_SLACK_URL = `${receiver.url}/slack/gate`;
    const policy = policyFile({
      channels: [
        {
          type: 'webhook',
          name: 'ops-hook',
          url: `${receiver.url}/hook/gate`,
          secret: { secret: 'REINS_TEST_NOTIFY_SECRET' },
        },
        { type: 'slack', url: { secret: 'REINS_TEST_SLACK_URL' } },
        {
          type: 'email',
          smtp: { host: '127.0.0.1', port: smtp.port },
          from: 'reins@example.com',
          to: ['oncall@example.com'],
          approverAddress: '{user}@example.com',
        },
      ],
    });
    const spec = fileClerkSpec({
      approvals: { approvers: { users: ['dana', 'x\r\nBcc: evil@evil.test'], roles: ['ops'] } },
    });
    await withReins(
      { script: reasonedDelete, policyFile: policy, consoleUrl: 'https://console.example.com/' },
      async ({ reins }) => {
        const runId = uniqueId('notify-gate');
        await reins.startRun({ spec, prompt: 'p', userId: 'u' }, { runId });
        const records = await waitForState(reins, runId, (s) => settled(s.notifications, 3));
        expect(records.map((r) => [r.channel, r.kind, r.status])).toEqual([
          ['ops-hook', 'gate', 'sent'],
          ['slack-2', 'gate', 'sent'],
          ['email-3', 'gate', 'sent'],
        ]);
        expect((await reins.getState(runId)).status).toBe('awaiting_approval');
        const link = `https://console.example.com/runs/${runId}/approvals/1-1`;

        const hook = receiver.posts.find((p) => p.path === '/hook/gate')!;
        expect(verifyReinsSignature(SECRET, hook.headers, hook.body)).toBe(true);
        expect(verifyReinsSignature('another secret', hook.headers, hook.body)).toBe(false);
        expect(verifyReinsSignature(SECRET, hook.headers, hook.body.replace('delete_file', 'delete_fila'))).toBe(false);
        expect(hook.headers['x-reins-event']).toBe('approval.requested');
        expect(JSON.parse(hook.body)).toEqual({
          type: 'approval.requested',
          id: `${runId}/1-1/primary/gate/ops-hook`,
          sentAt: expect.any(String),
          runId,
          requestId: '1-1',
          stage: 'primary',
          agent: 'file-clerk',
          user: 'u',
          team: 'default',
          tool: 'delete_file',
          class: 'destructive',
          arguments: '{"path":"a.txt"}',
          argumentsOmitted: 0,
          rule: expect.stringContaining('destructive'),
          reasoning: REASONING,
          approvers: { users: ['dana', 'x\r\nBcc: evil@evil.test'], roles: ['ops'] },
          requestedAt: expect.any(String),
          expiresAt: expect.any(String),
          consoleUrl: link,
        });

        const slack = JSON.parse(receiver.posts.find((p) => p.path === '/slack/gate')!.body) as { text: string };
        expect(slack.text).toContain(`<${link}|Open the request in the console>`);
        expect(slack.text).toContain('delete_file');
        expect(slack.text).toContain(`The model said: ${REASONING}`);
        expect((await reins.getState(runId)).pendingApprovals[0]!.reasoning).toBe(REASONING);
        expect(slack.text).toContain('x\\u000d\\u000aBcc: evil@evil.test');

        const mail = smtp.messages.find((m) => m.data.includes(runId))!;
        // The hostile approver name makes no address: only the plain one and the fixed list are mailed.
        expect(mail.to.sort()).toEqual(['dana@example.com', 'oncall@example.com']);
        expect(mail.data).toMatch(/^Subject: \[reins\] delete_file waits for approval/m);
        expect(mail.data).not.toMatch(/^Bcc:/im);
        const text = Buffer.from(
          mail.data
            .replace(/=\r?\n/g, '')
            .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8');
        expect(text).toContain(`Decide: ${link}`);
        expect(text).toContain(`The model said: ${REASONING}`);
        expect(text).toContain('{"path":"a.txt"}');
        expect(records.find((r) => r.channel === 'email-3')!.detail).toMatch(
          /to 2 recipient\(s\), 1 approver name\(s\) skipped/,
        );

        await reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'dana' });
        const result = await reins.result(runId);
        expect(result.status).toBe('completed');
        expect(result.notifications).toHaveLength(3);
      },
    );
  });

  // Uncached: every workflow task replays the history so far, so the notices and timers must come out the same each time.
  test.each([
    ['cached', {}],
    ['replayed on every task', { maxCachedWorkflows: 0 }],
  ])(
    'a reminder comes before the gate times out, and the escalation group is told when it escalates (%s)',
    async (_, workerOptions) => {
      const hookPath = `/hook/remind/${Object.keys(workerOptions).length}`;
      const policy = policyFile({
        channels: [
          { type: 'webhook', url: `${receiver.url}${hookPath}`, secret: { secret: 'REINS_TEST_NOTIFY_SECRET' } },
        ],
        remindBefore: '2s',
      });
      const spec = fileClerkSpec({
        approvals: {
          approvers: { users: ['ops'] },
          timeout: '4s',
          onTimeout: 'escalate',
          escalation: { approvers: { users: ['boss'] }, timeout: '1h' },
        },
      });
      await withReins({ script: deleteThenAnswer, policyFile: policy, workerOptions }, async ({ reins }) => {
        const runId = uniqueId('notify-remind');
        await reins.startRun({ spec, prompt: 'p', userId: 'u' }, { runId });
        const records = await waitForState(reins, runId, (s) => settled(s.notifications, 3), 30_000);
        expect(records.map((r) => [r.kind, r.stage, r.status])).toEqual([
          ['gate', 'primary', 'sent'],
          ['reminder', 'primary', 'sent'],
          ['escalation', 'escalated', 'sent'],
        ]);
        const posts = receiver.posts.filter((p) => p.path === hookPath).map((p) => JSON.parse(p.body));
        expect(posts.map((p: { type: string }) => p.type)).toEqual([
          'approval.requested',
          'approval.reminder',
          'approval.escalated',
        ]);
        const [gate, reminder, escalation] = posts as Array<{ expiresAt: string; sentAt: string; approvers: unknown }>;
        // The reminder went before the first stage timed out, with about two seconds left.
        expect(Date.parse(reminder!.sentAt)).toBeLessThan(Date.parse(gate!.expiresAt));
        expect(escalation!.approvers).toEqual({ users: ['boss'], roles: [] });
        expect('consoleUrl' in gate!).toBe(false);

        await reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'boss' });
        const result = await reins.result(runId);
        expect(result.status).toBe('completed');
        // The escalated stage's reminder (due in an hour) was cancelled by the decision: nothing more was sent.
        expect(result.notifications).toHaveLength(3);
      });
    },
  );

  test('failing, hanging and huge-answering endpoints are retried, recorded, and never hold the run up', async () => {
    const secret = { secret: 'REINS_TEST_NOTIFY_SECRET' };
    const policy = policyFile({
      channels: [
        { type: 'webhook', name: 'failing', url: `${receiver.url}/fail/x`, secret, attempts: 3 },
        { type: 'webhook', name: 'refusing', url: `${receiver.url}/refuse/x`, secret, attempts: 3 },
        { type: 'webhook', name: 'hanging', url: `${receiver.url}/hang/x`, secret, attempts: 1 },
        { type: 'slack', name: 'huge', url: `${receiver.url}/huge/x` },
        {
          type: 'webhook',
          name: 'unset-secret',
          url: `${receiver.url}/hook/unset`,
          secret: { secret: 'REINS_TEST_NOT_SET' },
        },
      ],
    });
    await withReins({ script: deleteThenAnswer, policyFile: policy }, async ({ reins }) => {
      const runId = uniqueId('notify-fail');
      await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u' }, { runId });
      const records = await waitForState(reins, runId, (s) => settled(s.notifications, 5), 60_000);
      const byName = new Map(records.map((r) => [r.channel, r]));
      expect(byName.get('failing')).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/^NotificationFailed: webhook failing answered 500/),
      });
      expect(byName.get('refusing')).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/NotificationRefused: webhook refusing answered 403/),
      });
      expect(byName.get('hanging')).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/no answer within 10000 ms/),
      });
      expect(byName.get('huge')).toMatchObject({ status: 'sent', detail: 'HTTP 200' });
      expect(byName.get('unset-secret')).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/SecretMissing: secret REINS_TEST_NOT_SET/),
      });
      // Retried with backoff until the attempts ran out; a refusal is not retried.
      expect(receiver.posts.filter((p) => p.path === '/fail/x')).toHaveLength(3);
      expect(receiver.posts.filter((p) => p.path === '/refuse/x')).toHaveLength(1);
      expect((await reins.getState(runId)).status).toBe('awaiting_approval');

      await reins.decide(runId, { requestId: '1-1', decision: 'approve', by: 'ops' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(result.answer).toBe('done');
      expect(result.notifications!.filter((r) => r.status === 'failed')).toHaveLength(4);
    });
  });
});
