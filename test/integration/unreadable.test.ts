import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseEncryptionKeys } from '../../shared/codec';
import type { ScriptFn } from '../../testing/scripted-model';
import { runCli } from '../helpers/cli';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';

const MARK = 'claim-checked-marker';
const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test('a claim-check file gone: audit prints what it can, names the event it cannot read and exits 3', async () => {
  const script = [
    // Large enough for the tool's input to leave only a claim in history.
    {
      reply: {
        toolCalls: [{ name: 'write_file', arguments: { path: 'big.txt', content: `${MARK}${'z'.repeat(100_000)}` } }],
      },
    },
    { reply: { content: 'done' } },
  ];
  await withReins({ script }, async ({ reins, temporal, taskQueue, dataDir }) => {
    const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'write it', userId: 'ivy' });
    expect((await reins.result(runId)).answer).toBe('done');
    const payloadDir = path.join(dataDir, 'payloads');
    const env = { REINS_PAYLOAD_DIR: payloadDir };
    const queue = ['--task-queue', taskQueue];

    // The tool's input as history holds it: a claim naming the file that holds the payload.
    const history = await temporal.workflow.getHandle(runId).fetchHistory();
    const scheduled = history.events!.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runTool',
    )!;
    const claim = scheduled.activityTaskScheduledEventAttributes!.input!.payloads![0]!;
    const key = Buffer.from(claim.data!)
      .toString('latin1')
      .match(/[0-9a-f]{64}/)![0];
    // A run's payloads are kept in its own directory (payloads/runs/<run>/<key>).
    const [file] = (await fs.readdir(payloadDir, { recursive: true })).filter((entry) => path.basename(entry) === key);
    expect(file).toBeDefined();
    await fs.rm(path.join(payloadDir, file!));

    const audit = await runCli([...queue, 'audit', runId], env);
    expect(audit.code).toBe(3);
    expect(audit.stderr).toContain(`the audit trail of run ${runId} is incomplete: 1 part(s) could not be read`);
    expect(audit.stderr).toMatch(
      new RegExp(`history event ${scheduled.eventId} of execution [\\w-]+ \\(input of runTool [\\w-]+\\): .*${key}`),
    );
    const tool = lines(audit.stdout).find((r) => r.kind === 'tool_call');
    expect(tool).toMatchObject({ tool: 'write_file', argsUnreadable: expect.stringContaining(key) });
    // The exported trail's head says it is incomplete.
    expect(lines(audit.stdout).at(-1)).toMatchObject({ kind: 'audit_head', unreadableParts: 1 });

    // Every stored payload gone: the run's result itself cannot be read, and no view pretends otherwise.
    await fs.rm(payloadDir, { recursive: true });
    const [result, status, json] = await Promise.all([
      runCli([...queue, 'result', runId], env),
      runCli([...queue, 'status', runId], env),
      runCli([...queue, '--json', 'status', runId], env),
    ]);
    for (const outcome of [result, status]) {
      expect(outcome.code).toBe(3);
      expect(outcome.stderr).toMatch(new RegExp(`cannot read the result of run "${runId}" \\(history event \\d+\\): `));
    }
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { type: 'PayloadUnreadableError' } });
  });
});

test('read with the wrong key: status, result, audit, watch and pending name what they cannot read and exit 3', async () => {
  const keysA = parseEncryptionKeys(`a:${randomBytes(32).toString('base64')}`);
  const wrongKey = `b:${randomBytes(32).toString('base64')}`;
  const script: ScriptFn = (request) => {
    const prompt = String(request.messages.find((m) => m.role === 'user')?.content ?? '');
    if (request.messages.some((m) => m.role === 'assistant')) return { reply: { content: 'done' } };
    return prompt.includes('delete')
      ? { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'old.log' } }] } }
      : { reply: { content: 'hello' } };
  };
  await withReins({ script, encryptionKeys: keysA }, async ({ reins, taskQueue, dataDir }) => {
    const user = `wrong-key-${Date.now()}`;
    const ended = await reins.startRun({ spec: fileClerkSpec(), prompt: 'say hello', userId: user });
    expect((await reins.result(ended.runId)).answer).toBe('hello');
    const waiting = await reins.startRun({ spec: fileClerkSpec(), prompt: 'delete old.log', userId: user });
    await waitForState(reins, waiting.runId, (s) => s.status === 'awaiting_approval');
    const env = { REINS_PAYLOAD_DIR: path.join(dataDir, 'payloads'), REINS_ENCRYPTION_KEYS: wrongKey };
    const queue = ['--task-queue', taskQueue];

    const [status, result, audit, noKeys] = await Promise.all([
      runCli([...queue, 'status', ended.runId], env),
      runCli([...queue, 'result', ended.runId], env),
      runCli([...queue, 'audit', ended.runId], env),
      runCli([...queue, 'status', ended.runId], { REINS_PAYLOAD_DIR: env.REINS_PAYLOAD_DIR }),
    ]);
    for (const outcome of [status, result, audit]) {
      expect(outcome.code).toBe(3);
      expect(outcome.stderr).toContain(`cannot read the result of run "${ended.runId}" (history event `);
      expect(outcome.stderr).toContain('encrypted with key "a"');
    }
    expect(noKeys.code).toBe(3);
    expect(noKeys.stderr).toContain('payload is encrypted and this process has no keys');

    const [live, watch] = await Promise.all([
      runCli([...queue, 'status', waiting.runId], env),
      runCli([...queue, 'watch', waiting.runId, '--interval', '200'], env),
    ]);
    for (const outcome of [live, watch]) {
      expect(outcome.code).toBe(3);
      expect(outcome.stderr).toContain(
        `cannot read the state of run "${waiting.runId}" (its answer to the state query)`,
      );
    }

    let pending = await runCli([...queue, 'pending', '--user', user], env);
    for (let attempt = 0; attempt < 60 && !pending.stdout.includes(waiting.runId); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      pending = await runCli([...queue, 'pending', '--user', user], env);
    }
    expect(pending.code).toBe(3);
    expect(pending.stdout).toContain('encrypted with key "a"');
    expect(pending.stderr).toContain(`the pending requests of ${waiting.runId} could not be read`);
  });
});
