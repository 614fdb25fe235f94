import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { temporal } from '@temporalio/proto';
import { createHttpRequestTool } from '../../activities/tools/http-request';
import type { ToolContext, ToolImplementation } from '../../common/tools/define-tool';
import { SecretResolver } from '../../activities/secrets/secret-resolver';
import type { AgentSpecInput } from '../../common/agent-spec';
import { messagesOf, withReins } from '../helpers/harness';
import { textResult } from '../helpers/sandbox';

const TOKEN = 'tok-4f9a1c77e2b84d0fa3';
const SECRET = 'REINS_HTTP_TEST_TOKEN';
const secrets = new SecretResolver([{ get: (name) => (name === SECRET ? TOKEN : undefined), describe: () => 'test' }]);

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const seen: Seen[] = [];
let server: http.Server;
let port = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const url = req.url ?? '/';
      seen.push({ method: req.method ?? '', url, headers: req.headers, body });
      const redirect = /^\/redirect\?to=(.*)$/.exec(url);
      if (redirect) {
        res.writeHead(302, { location: decodeURIComponent(redirect[1] ?? '') }).end();
      } else if (url === '/loop') {
        res.writeHead(302, { location: '/loop' }).end();
      } else if (url === '/slow') {
        setTimeout(() => res.end('late'), 3000);
      } else if (url === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`START${'x'.repeat(40_000)}END`);
      } else if (url === '/binary') {
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(5000, 1));
      } else {
        const echo = { method: req.method, host: req.headers.host, authorization: req.headers.authorization, body };
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'sid=1' }).end(JSON.stringify(echo));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function context(config: Record<string, unknown>): ToolContext {
  return {
    runId: 'http-test',
    callId: '1-1',
    userId: 'u',
    idempotencyKey: 'http-test/1-1',
    attempt: 1,
    earlierAttemptStarted: false,
    workspace: '/nonexistent',
    config,
    signal: new AbortController().signal,
    heartbeat: () => undefined,
  };
}
const call = async (tool: ToolImplementation, args: Record<string, unknown>, config: Record<string, unknown>) =>
  textResult(await tool.execute(tool.schema.parse(args), context(config)));

const local = {
  host: '127.0.0.1',
  allowPrivate: true,
  headers: { authorization: { secret: SECRET, prefix: 'Bearer ' } },
};
const tool = createHttpRequestTool({ secrets });

describe('http_request tool', () => {
  test('classifies by method, with per-host overrides', async () => {
    const config = { hosts: [local, { host: 'api.example.com', classes: { DELETE: 'write' } }] };
    const classify = (method: string, url: string) => tool.classify?.(tool.schema.parse({ method, url }), config);
    expect(await classify('GET', 'http://127.0.0.1/x')).toBe('read');
    expect(await classify('HEAD', 'http://127.0.0.1/x')).toBe('read');
    expect(await classify('POST', 'http://127.0.0.1/x')).toBe('write');
    expect(await classify('PATCH', 'http://127.0.0.1/x')).toBe('write');
    expect(await classify('DELETE', 'http://127.0.0.1/x')).toBe('destructive');
    expect(await classify('DELETE', 'https://api.example.com/x')).toBe('write');
  });

  test('injects the host credentials, scrubs them from what comes back, and refuses them from the model', async () => {
    const output = await call(
      tool,
      { method: 'POST', url: `http://127.0.0.1:${port}/echo`, body: { a: 1 } },
      {
        hosts: [local],
      },
    );
    expect(seen.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen.at(-1)?.headers['content-type']).toBe('application/json');
    expect(output).toMatch(/^HTTP 200 OK\nurl: http:\/\/127\.0\.0\.1:\d+\/echo\ncontent-type: application\/json/);
    expect(output).toContain(`"authorization": "Bearer [redacted:${SECRET}]"`);
    expect(output).toContain('"body": "{\\"a\\":1}"');
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain('sid=1');
    for (const name of ['Authorization', 'cookie', 'Host']) {
      expect(tool.schema.safeParse({ url: 'http://127.0.0.1/', headers: { [name]: 'x' } }).success).toBe(false);
    }
  });

  test('hosts outside the allowlist are refused', async () => {
    await expect(call(tool, { url: 'https://example.org/' }, { hosts: [local] })).rejects.toMatchObject({
      type: 'HttpHostNotAllowed',
      message: 'host example.org is not allowed (allowed: 127.0.0.1)',
    });
  });

  test('private addresses are refused unless allowed: literal, by DNS, by a custom resolver and after a redirect', async () => {
    await expect(
      call(tool, { url: `http://127.0.0.1:${port}/` }, { hosts: [{ host: '127.0.0.1' }] }),
    ).rejects.toMatchObject({ type: 'HttpAddressRefused' });
    // `localhost` is a name; what it resolves to is what counts.
    await expect(
      call(tool, { url: `http://localhost:${port}/` }, { hosts: [{ host: 'localhost' }] }),
    ).rejects.toMatchObject({
      type: 'HttpAddressRefused',
      message: expect.stringMatching(/^localhost resolves to (127\.0\.0\.1|::1)/),
    });
    const rebinding = createHttpRequestTool({ secrets, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    await expect(
      call(rebinding, { url: `http://api.example.com:${port}/` }, { hosts: [{ host: 'api.example.com' }] }),
    ).rejects.toMatchObject({ type: 'HttpAddressRefused' });
    // Allowed: the socket goes to the checked address while the Host header keeps the name.
    const allowed = await call(
      rebinding,
      { url: `http://api.example.com:${port}/echo` },
      {
        hosts: [{ host: 'api.example.com', allowPrivate: true }],
      },
    );
    expect(allowed).toContain(`"host": "api.example.com:${port}"`);

    const before = seen.length;
    const to = encodeURIComponent(`http://127.0.0.1:${port}/echo`);
    await expect(
      call(
        tool,
        { url: `http://localhost:${port}/redirect?to=${to}` },
        {
          hosts: [{ host: 'localhost', allowPrivate: true }, { host: '127.0.0.1' }],
        },
      ),
    ).rejects.toMatchObject({ type: 'HttpAddressRefused', message: expect.stringContaining('127.0.0.1') });
    expect(seen.slice(before).map((s) => s.url)).toEqual([`/redirect?to=${to}`]);
  });

  test('redirects are followed with the next host credentials, at most five times', async () => {
    const to = encodeURIComponent(`http://127.0.0.1:${port}/echo`);
    const output = await call(
      tool,
      { url: `http://localhost:${port}/redirect?to=${to}` },
      {
        hosts: [{ host: 'localhost', allowPrivate: true }, local],
      },
    );
    expect(output).toContain(
      `redirected: 302 http://localhost:${port}/redirect?to=${to} -> http://127.0.0.1:${port}/echo`,
    );
    expect(seen.at(-2)?.headers.authorization).toBeUndefined();
    expect(seen.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const before = seen.length;
    await expect(call(tool, { url: `http://127.0.0.1:${port}/loop` }, { hosts: [local] })).rejects.toMatchObject({
      type: 'HttpTooManyRedirects',
    });
    expect(seen.length - before).toBe(6);
  });

  test('shapes bodies for the model and times out', async () => {
    const text = await call(tool, { url: `http://127.0.0.1:${port}/text` }, { hosts: [local] });
    // Head and tail kept, the middle cut with a count.
    expect(text).toMatch(/\n\nSTARTx+\n… \[[\d,]+ characters omitted of 40,008\] …\nx+END$/);
    expect(text.length).toBeLessThan(13_000);
    const binary = await call(tool, { url: `http://127.0.0.1:${port}/binary` }, { hosts: [local] });
    expect(binary).toContain('[binary body: image/png, 5,000 bytes not shown]');
    const capped = await call(
      tool,
      { url: `http://127.0.0.1:${port}/text` },
      { hosts: [local], maxResponseBytes: 1000 },
    );
    expect(capped).toContain('note: the body is larger than 1000 bytes');
    await expect(
      call(tool, { url: `http://127.0.0.1:${port}/slow` }, { hosts: [local], timeoutSeconds: 1 }),
    ).rejects.toMatchObject({ type: 'HttpTimeout' });
  });

  test('through a run: the server gets the credential, history and the model never see it', async () => {
    process.env[SECRET] = TOKEN;
    const spec: AgentSpecInput = {
      name: 'api-caller',
      instructions: 'Call the API.',
      model: { name: 'scripted-1' },
      tools: [{ name: 'http_request', config: { hosts: [local] } }],
    };
    const script = [
      { reply: { toolCalls: [{ name: 'http_request', arguments: { url: `http://127.0.0.1:${port}/echo` } }] } },
      { reply: { content: 'done' } },
    ];
    try {
      await withReins({ script }, async ({ reins, model, temporal: client }) => {
        const runId = `http-run-${Date.now()}`;
        await reins.startRun({ spec, prompt: 'call it', userId: 'u' }, { runId });
        const result = await reins.result(runId);
        expect(result.status).toBe('completed');
        expect(seen.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
        expect(messagesOf(model, 1).at(-1)).toMatchObject({
          content: expect.stringContaining(`[redacted:${SECRET}]`),
        });
        expect(JSON.stringify(model.requests)).not.toContain(TOKEN);
        const history = await client.workflow.getHandle(runId).fetchHistory();
        const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
        expect(bytes).toContain(SECRET);
        expect(bytes).not.toContain(TOKEN);
      });
    } finally {
      delete process.env[SECRET];
    }
  });
});
