import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { ScriptFn } from '../../testing/scripted-model';
import { fileClerkSpec, tempDataDir, waitForState, withReins } from '../helpers/harness';
import { resultWithin, workflowTaskFailures } from '../helpers/hostile-model';
import { useNotificationSinks, verifyReinsSignature } from '../helpers/notify-receiver';

const SECRET = 'whsec-property-test';
process.env.REINS_TEST_PROPERTY_SECRET = SECRET;

/** Names an agent spec might give its approvers: any text, markup for Slack and mail, names JavaScript knows. */
const hostileName = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }),
  fc.string({ minLength: 300, maxLength: 2_000 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    '<!channel>',
    '<@U123|boss>',
    '<https://evil.example|click here>',
    '*bold* _it_ ~s~ `code` ```',
    'x\r\nBcc: evil@evil.test',
    'x\nSubject: fake',
    'a@evil.test',
    'a,b@evil.test',
    '"Mallory" <m@evil.test>',
    '\u202eevil\u200b',
    '&amp;&lt;',
  ),
);

/** Arguments a model might send to write_file that pass its schema (others never reach a gate): any text, some very long. */
const hostileArgs = fc.record({
  path: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
    fc.constantFrom('```', '<!here>', '../../etc/passwd'),
  ),
  content: fc.oneof(
    fc.string({ unit: 'binary', maxLength: 3_000 }),
    fc.integer({ min: 5_000, max: 40_000 }).map((n) => '`<!channel>*\r\n'.repeat(Math.ceil(n / 14))),
  ),
});

describe('hostile approver names and arguments never break a notification or the run', () => {
  const sinks = useNotificationSinks();
  let receiver: ReturnType<typeof sinks.receiver>;
  let smtp: ReturnType<typeof sinks.smtp>;
  beforeAll(() => {
    receiver = sinks.receiver();
    smtp = sinks.smtp();
  });

  test('every notice is delivered, signed, escaped and bounded; every run completes', async () => {
    const cases = new Map<string, { args: { path: string; content: string } }>();
    const script: ScriptFn = (request) => {
      const messages = request.messages as Array<{ role: string; content?: unknown }>;
      if (messages.at(-1)?.role === 'tool') return { reply: { content: 'done' } };
      const which = cases.get(String(messages[1]?.content ?? ''));
      return { reply: { toolCalls: [{ name: 'write_file', arguments: which?.args ?? {} }] } };
    };
    const policy = path.join(tempDataDir(), 'policy.yaml');
    writeFileSync(
      policy,
      stringify({
        org: {
          notifications: {
            channels: [
              { type: 'webhook', url: `${receiver.url}/hook/p`, secret: { secret: 'REINS_TEST_PROPERTY_SECRET' } },
              { type: 'slack', url: `${receiver.url}/slack/p` },
              {
                type: 'email',
                smtp: { host: '127.0.0.1', port: smtp.port },
                from: 'reins@example.com',
                to: ['oncall@example.com'],
                approverAddress: '{user}@example.com',
              },
            ],
          },
        },
      }),
    );
    let counter = 0;
    await withReins(
      { script, policyFile: policy, consoleUrl: 'https://console.example.com' },
      async ({ reins, temporal }) => {
        await fc.assert(
          fc.asyncProperty(hostileName, hostileArgs, async (name, args) => {
            counter += 1;
            const runId = `notify-prop-${Date.now()}-${counter}`;
            const prompt = `case ${runId}`;
            cases.set(prompt, { args });
            const spec = fileClerkSpec({
              tools: [{ name: 'write_file', approval: 'always', approvers: { users: [name, 'dana'], roles: [] } }],
            });
            await reins.startRun({ spec, prompt, userId: 'u' }, { runId });
            const records = await waitForState(
              reins,
              runId,
              (s) => (s.notifications ?? []).filter((r) => r.status !== 'sending').length === 3 && s.notifications,
              30_000,
            );
            expect(records.map((r) => [r.channel, r.status])).toEqual([
              ['webhook-1', 'sent'],
              ['slack-2', 'sent'],
              ['email-3', 'sent'],
            ]);

            const hook = receiver.posts.find((p) => p.path === '/hook/p' && p.body.includes(`"runId":"${runId}"`))!;
            expect(verifyReinsSignature(SECRET, hook.headers, hook.body)).toBe(true);
            const payload = JSON.parse(hook.body) as { arguments: string; approvers: { users: string[] } };
            expect(payload.arguments.length).toBeLessThanOrEqual(4_000);
            expect(payload.approvers.users).toContain('dana');
            expect(payload.approvers.users.every((u) => u.length <= 200)).toBe(true);

            const slack = receiver.posts.find((p) => p.path === '/slack/p' && p.body.includes(runId))!;
            const text = (JSON.parse(slack.body) as { text: string }).text;
            // The console link is the only Slack markup; the arguments sit in one code block nothing closes.
            expect(text.split('<')).toHaveLength(2);
            expect(text).toContain(`<https://console.example.com/runs/${runId}/approvals/1-1|`);
            expect(text.match(/```/g)).toHaveLength(2);
            expect(text.length).toBeLessThan(12_000);

            const mail = await waitFor(() => smtp.messages.find((m) => m.data.includes(runId)));
            expect(mail.to).toEqual(expect.arrayContaining(['oncall@example.com', 'dana@example.com']));
            for (const to of mail.to) expect(to).toMatch(/^[a-z0-9._+-]+@example\.com$/);
            const headers = mail.data.split(/\r?\n\r?\n/)[0]!;
            expect(headers).not.toMatch(/^(Bcc|Cc):/im);
            expect(headers.match(/^Subject:/gim)).toHaveLength(1);

            await reins.decide(runId, { requestId: '1-1', decision: 'reject', by: 'dana', reason: 'no' });
            const result = await resultWithin(reins, runId, 30_000);
            expect(result.status).toBe('completed');
            expect(await workflowTaskFailures(temporal, runId)).toEqual([]);
          }),
          { numRuns: Number(process.env.NOTIFY_PROPERTY_RUNS ?? 20), endOnFailure: true },
        );
      },
    );
  });
});

async function waitFor<T>(find: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('not received in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
