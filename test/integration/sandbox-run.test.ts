import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { runDirectoryName } from '../../activities/tools/workspace';
import { fileClerkSpec, messagesOf, withReins } from '../helpers/harness';

const spec = fileClerkSpec({
  name: 'coder',
  tools: [{ name: 'read_file' }, { name: 'write_file' }, { name: 'run_code', approval: 'never' }],
  maxSteps: 12,
});

const workspaceOf = (dataDir: string, runId: string) => path.join(dataDir, 'workspaces', runDirectoryName(runId));

/** The tool message the model received as the last message of its `index`-th request. */
function toolReply(model: Parameters<typeof messagesOf>[0], index: number): string {
  const last = messagesOf(model, index).at(-1);
  expect(last).toMatchObject({ role: 'tool' });
  return String(last?.content);
}

/** Live processes whose command line mentions `marker`. */
function processesMatching(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.trim().startsWith('Z'));
}

async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('run_code in a real run', () => {
  test('legitimate code runs and its output reaches the model; escape attempts fail and the run goes on', async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    process.env.REINS_TEST_WORKER_SECRET = 'sk-worker-secret-789';
    const runCode = (code: string, language = 'bash', timeoutSeconds?: number) => ({
      reply: {
        toolCalls: [{ name: 'run_code', arguments: { language, code, ...(timeoutSeconds ? { timeoutSeconds } : {}) } }],
      },
    });
    try {
      await withReins(
        {
          script: [
            runCode(
              'import json\njson.dump({"sum": 40 + 2}, open("result.json", "w"))\nprint("sum", 40 + 2)',
              'python',
            ),
            runCode('console.log("node", [1, 2, 3].map((n) => n * 2).join(","))', 'node'),
            runCode('cat /etc/shadow; env; echo x > /etc/reins-evil || echo "write refused"; ln -s /etc/passwd leak'),
            { reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'leak' } }] } },
            runCode(
              `const s = require("net").connect(${port}, "127.0.0.1"); s.on("connect", () => console.log("CONNECTED")); s.on("error", (e) => console.log("network refused", e.code));`,
              'node',
            ),
            runCode('echo before; sleep 120', 'bash', 2),
            { reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'result.json' } }] } },
            { reply: { content: 'The sum is 42.' } },
          ],
        },
        async ({ reins, model, dataDir }) => {
          const { runId } = await reins.startRun({ spec, prompt: 'Compute 40 + 2', userId: 'alice' });
          const result = await reins.result(runId);
          expect(result.status).toBe('completed');
          expect(result.answer).toBe('The sum is 42.');

          const python = toolReply(model, 1);
          expect(python).toMatch(/^exit code: 0$/m);
          expect(python).toContain('sum 42');
          expect(toolReply(model, 2)).toContain('node 2,4,6');

          const escape = toolReply(model, 3);
          expect(escape).toContain('/etc/shadow: No such file or directory');
          expect(escape).toContain('write refused');
          expect(escape).not.toContain('sk-worker-secret-789');
          expect(escape).not.toContain('REINS_TEST_WORKER_SECRET');
          expect(existsSync('/etc/reins-evil')).toBe(false);

          expect(toolReply(model, 4)).toMatch(/^Error \[PathRefused\]: path "leak" leads outside the workspace/);
          expect(toolReply(model, 5)).toContain('network refused');
          expect(connections).toBe(0);

          const slow = toolReply(model, 6);
          expect(slow).toContain('TIMED OUT after 2 s');
          expect(slow).toContain('before');
          expect(toolReply(model, 7)).toBe('{"sum": 42}');

          expect(readFileSync(path.join(workspaceOf(dataDir, runId), 'result.json'), 'utf8')).toBe('{"sum": 42}');
          expect(
            result.toolCalls.filter((call) => call.tool === 'run_code').every((c) => c.outcome === 'succeeded'),
          ).toBe(true);
        },
      );
    } finally {
      delete process.env.REINS_TEST_WORKER_SECRET;
      server.close();
    }
  });

  test('cancelling the run mid-command kills the sandboxed processes', async () => {
    const marker = `299.${randomInt(100_000, 999_999)}`;
    await withReins(
      {
        script: [
          {
            reply: {
              toolCalls: [
                { name: 'run_code', arguments: { language: 'bash', code: `sleep ${marker}`, timeoutSeconds: 120 } },
              ],
            },
          },
          { reply: { content: 'unreachable' } },
        ],
      },
      async ({ reins, temporal }) => {
        const { runId } = await reins.startRun({ spec, prompt: 'Wait a long time', userId: 'bob' });
        await waitUntil('the sandboxed sleep to start', () => processesMatching(marker).length > 0, 60_000);

        const handle = temporal.workflow.getHandle(runId);
        await handle.cancel();
        await expect(handle.result()).rejects.toThrow();
        // Cancellation reaches the activity with its next heartbeat; then the whole tree goes at once.
        await waitUntil('the sandboxed processes to be gone', () => processesMatching(marker).length === 0, 90_000);
        const described = await handle.describe();
        expect(described.status.name).toBe('CANCELLED');
      },
    );
  });
});
