import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion, ChatCompletionMessageParam } from 'openai/resources/chat/completions';

import {
  parseScript,
  startScriptedModel,
  type Script,
  type ScriptFn,
  type ScriptedModelServer,
} from '../../testing/scripted-model';

const servers: ScriptedModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(script: Script | ScriptFn): Promise<{ server: ScriptedModelServer; client: OpenAI }> {
  const server = await startScriptedModel({ script });
  servers.push(server);
  return { server, client: new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 }) };
}

function opening(user = 'What is in a.txt?'): ChatCompletionMessageParam[] {
  return [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: user },
  ];
}

function ask(client: OpenAI, messages: ChatCompletionMessageParam[]): Promise<ChatCompletion> {
  return client.chat.completions.create({ model: 'test-model', messages });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the request to fail');
}

function functionCalls(completion: ChatCompletion): { id: string; name: string; arguments: string }[] {
  return (completion.choices[0]?.message.tool_calls ?? []).flatMap((call) =>
    call.type === 'function' ? [{ id: call.id, ...call.function }] : [],
  );
}

const answer = (content: string): Script[number] => ({ reply: { content } });

test('advances one turn per assistant message: tool call, then answer', async () => {
  const { server, client } = await serve([
    { reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'a.txt' } }] } },
    answer('It says hello.'),
  ]);

  const first = await ask(client, opening());
  expect(first.object).toBe('chat.completion');
  expect(first.model).toBe('test-model');
  expect(first.choices[0]?.finish_reason).toBe('tool_calls');
  expect(first.choices[0]?.message.content).toBeNull();
  expect(functionCalls(first)).toEqual([{ id: 'call_0_0', name: 'read_file', arguments: '{"path":"a.txt"}' }]);

  const second = await ask(client, [
    ...opening(),
    first.choices[0]!.message as ChatCompletionMessageParam,
    { role: 'tool', tool_call_id: 'call_0_0', content: 'hello' },
  ]);
  expect(second.choices[0]?.message.content).toBe('It says hello.');
  expect(second.choices[0]?.finish_reason).toBe('stop');
  expect(second.id).not.toBe(first.id);

  expect(server.requests.map((r) => [r.turn, r.attempt, r.outcome])).toEqual([
    [0, 1, 'reply'],
    [1, 1, 'reply'],
  ]);
  expect(server.requests[0]?.conversation).toMatch(/^[0-9a-f]{16}$/);
  expect(server.requests[1]?.conversation).toBe(server.requests[0]?.conversation);
  expect(server.requests[0]?.headers['authorization']).toBe('Bearer test');
});

test('serves faults in order before the reply of the same turn', async () => {
  const { server, client } = await serve([{ reply: { content: 'ok' }, faults: [{ status: 500 }] }]);

  const err = await failure(ask(client, opening()));
  expect(err).toBeInstanceOf(APIError);
  expect((err as APIError).status).toBe(500);
  expect((err as APIError).message).toContain('scripted fault: HTTP 500');

  const ok = await ask(client, opening());
  expect(ok.choices[0]?.message.content).toBe('ok');
  expect(server.requests.map((r) => [r.attempt, r.outcome])).toEqual([
    [1, 'fault'],
    [2, 'reply'],
  ]);
});

test('a 429 fault carries its scripted headers and body; x-should-retry only when scripted', async () => {
  const { client } = await serve([
    {
      reply: { content: 'ok' },
      faults: [
        { status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'slow down', type: 'requests' } } },
        { status: 503, headers: { 'x-should-retry': 'false' } },
      ],
    },
  ]);

  const limited = (await failure(ask(client, opening()))) as APIError;
  expect(limited.status).toBe(429);
  expect(limited.headers?.get('retry-after')).toBe('2');
  expect(limited.headers?.get('x-should-retry')).toBeNull();
  expect(limited.message).toContain('slow down');

  const unavailable = (await failure(ask(client, opening()))) as APIError;
  expect(unavailable.status).toBe(503);
  expect(unavailable.headers?.get('x-should-retry')).toBe('false');
});

test('a hangup fault surfaces as a connection error', async () => {
  const { server, client } = await serve([{ reply: { content: 'back' }, faults: [{ hangup: true }] }]);
  expect(await failure(ask(client, opening()))).toBeInstanceOf(APIConnectionError);
  expect((await ask(client, opening())).choices[0]?.message.content).toBe('back');
  expect(server.requests.map((r) => r.outcome)).toEqual(['hangup', 'reply']);
});

test('raw and string arguments arrive verbatim; scripted ids and finish reasons win', async () => {
  const { client } = await serve([
    {
      reply: {
        toolCalls: [
          { name: 'write', rawArguments: '{"path": "a.txt", "text": ', id: 'call_custom' },
          { name: 'read', arguments: '{"path":"b.txt"}' },
          { name: 'list' },
        ],
        finishReason: 'length',
      },
    },
  ]);
  const completion = await ask(client, opening());
  expect(completion.choices[0]?.finish_reason).toBe('length');
  expect(functionCalls(completion)).toEqual([
    { id: 'call_custom', name: 'write', arguments: '{"path": "a.txt", "text": ' },
    { id: 'call_0_1', name: 'read', arguments: '{"path":"b.txt"}' },
    { id: 'call_0_2', name: 'list', arguments: '{}' },
  ]);
});

test('usage is estimated from text length unless scripted', async () => {
  const { client } = await serve([
    answer('hello'),
    { reply: { content: '', usage: { promptTokens: 100, cachedTokens: 40 } } },
  ]);
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: 'abcdefgh' },
    { role: 'user', content: [{ type: 'text', text: 'abcd' }] },
  ];
  const estimated = await ask(client, messages);
  // 12 prompt chars -> 3 tokens; 5 reply chars -> 2 tokens.
  expect(estimated.usage).toEqual({
    prompt_tokens: 3,
    completion_tokens: 2,
    total_tokens: 5,
    prompt_tokens_details: { cached_tokens: 0 },
  });

  const scripted = await ask(client, [
    ...messages,
    { role: 'assistant', content: 'hello' },
    { role: 'user', content: '' },
  ]);
  expect(scripted.usage).toEqual({
    prompt_tokens: 100,
    completion_tokens: 1,
    total_tokens: 101,
    prompt_tokens_details: { cached_tokens: 40 },
  });
});

test('an exhausted script answers 400 naming the turn', async () => {
  const { server, client } = await serve([answer('only one')]);
  const err = (await failure(ask(client, [...opening(), { role: 'assistant', content: 'x' }]))) as APIError;
  expect(err.status).toBe(400);
  expect(err.message).toContain('scripted model: the script has no turn 1 (it has 1)');
  expect(server.requests[0]?.outcome).toBe('error');
});

test('concurrent conversations follow the script and count faults independently', async () => {
  const { server } = await serve([
    { reply: { content: 'fine' }, faults: [{ status: 503, headers: { 'retry-after-ms': '1' } }] },
  ]);
  const retrying = new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 1 });

  const [a, b] = await Promise.all([ask(retrying, opening('first')), ask(retrying, opening('second'))]);
  expect(a.choices[0]?.message.content).toBe('fine');
  expect(b.choices[0]?.message.content).toBe('fine');

  const conversations = [...new Set(server.requests.map((r) => r.conversation))];
  expect(conversations).toHaveLength(2);
  for (const conversation of conversations) {
    const mine = server.requests.filter((r) => r.conversation === conversation);
    expect(mine.map((r) => [r.turn, r.attempt, r.outcome])).toEqual([
      [0, 1, 'fault'],
      [0, 2, 'reply'],
    ]);
  }
});

test('a script function sees the request, turn and attempt', async () => {
  const seen: [number, number][] = [];
  const { client } = await serve((request, turn, attempt) => {
    seen.push([turn, attempt]);
    const last = request.messages[request.messages.length - 1];
    return { reply: { content: `echo: ${String(last?.content)}` }, faults: turn === 0 ? [{ status: 500 }] : [] };
  });
  await failure(ask(client, opening('ping')));
  expect((await ask(client, opening('ping'))).choices[0]?.message.content).toBe('echo: ping');
  expect(seen).toEqual([
    [0, 1],
    [0, 2],
  ]);
});

test('delays are honoured and a client that gives up does not disturb the server', async () => {
  const { server, client } = await serve([{ reply: { content: 'slow' }, delayMs: 150 }]);
  const started = Date.now();
  expect((await ask(client, opening())).choices[0]?.message.content).toBe('slow');
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);

  server.setScript([{ reply: { content: 'never' }, delayMs: 60_000 }]);
  const abort = new AbortController();
  const pending = client.chat.completions.create({ model: 'm', messages: opening() }, { signal: abort.signal });
  setTimeout(() => abort.abort(), 50);
  expect(await failure(pending)).toBeInstanceOf(APIUserAbortError);

  server.setScript([answer('after')]);
  expect((await ask(client, opening())).choices[0]?.message.content).toBe('after');
});

test('streaming, bad JSON, bad bodies and unknown routes are refused in the OpenAI error shape', async () => {
  const { server, client } = await serve([answer('x')]);
  const streamed = (await failure(
    client.chat.completions.create({ model: 'm', messages: opening(), stream: true }),
  )) as APIError;
  expect(streamed.status).toBe(400);
  expect(streamed.message).toContain('streaming is not supported');

  const post = (path: string, body: string): Promise<Response> =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  const badJson = await post('/chat/completions', '{not json');
  expect(badJson.status).toBe(400);
  expect(((await badJson.json()) as { error: { message: string } }).error.message).toContain('not valid JSON');

  const noMessages = await post('/chat/completions', '{"model":"m"}');
  expect(noMessages.status).toBe(400);
  expect(((await noMessages.json()) as { error: { message: string } }).error.message).toContain('messages');

  const missing = await fetch(`${server.url}/models`);
  expect(missing.status).toBe(404);
  expect(await missing.json()).toEqual({
    error: {
      message: expect.stringContaining('no route') as unknown,
      type: 'invalid_request_error',
      code: 'not_found',
      param: null,
    },
  });

  // Also served without the /v1 prefix; the model falls back to the server's default name.
  const root = server.url.replace(/\/v1$/, '');
  const unprefixed = await fetch(`${root}/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ messages: opening() }),
  });
  expect(unprefixed.status).toBe(200);
  expect(((await unprefixed.json()) as { model: string }).model).toBe('scripted-model');
});

test('parseScript names the path of an invalid field', () => {
  expect(parseScript([{ reply: { content: 'hi' }, faults: [{ hangup: true }] }])).toHaveLength(1);
  expect(() => parseScript([answer('ok'), { reply: { toolCalls: [{ arguments: {} }] } }])).toThrow(
    /\[1\]\.reply\.toolCalls\[0\]\.name/,
  );
  expect(() => parseScript([{ reply: {}, faults: [{ status: 'x' }] }])).toThrow(/\[0\]\.faults\[0\]/);
});

function runCli(scriptJson: string): ChildProcessByStdio<null, Readable, Readable> {
  const dir = mkdtempSync(join(tmpdir(), 'scripted-model-'));
  const file = join(dir, 'script.json');
  writeFileSync(file, scriptJson);
  return spawn(process.execPath, [require.resolve('tsx/cli'), 'scripts/scripted-model/main.ts', '--script', file], {
    cwd: join(__dirname, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exitOf(child: ChildProcessByStdio<null, Readable, Readable>): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test('the CLI serves a JSON script and exits cleanly on SIGTERM', async () => {
  const child = runCli(JSON.stringify([answer('from file')]));
  const exited = exitOf(child);
  try {
    const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
    expect(first.value).toMatch(/^scripted model listening on http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const url = String(first.value).replace('scripted model listening on ', '');
    const client = new OpenAI({ baseURL: url, apiKey: 'test', maxRetries: 0 });
    expect((await ask(client, opening())).choices[0]?.message.content).toBe('from file');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 30_000);

test('the CLI rejects an invalid script file naming the field', async () => {
  const child = runCli(JSON.stringify([{ reply: { content: 1 } }]));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  expect(await exitOf(child)).toBe(1);
  expect(stderr).toContain('[0].reply.content');
}, 30_000);
