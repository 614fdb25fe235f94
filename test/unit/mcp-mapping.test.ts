import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ApplicationFailure } from '@temporalio/common';
import { poolKey, resolveServer, scrubSecrets } from '../../activities/mcp/credentials';
import { classifyFailure, toFailure } from '../../activities/mcp/errors';
import { toolOutcomeOf } from '../../activities/mcp/results';
import {
  classFromAnnotations,
  parseListedTool,
  schemaProblem,
  toToolDefinitions,
} from '../../activities/mcp/tool-definitions';
import { SecretResolver } from '../../activities/secrets/secret-resolver';
import { McpServerSpecSchema } from '../../common/mcp-server';

const same = (text: string) => text;

describe('MCP tool declarations', () => {
  test('classes from annotations: read-only wins, destructive next, anything else is a write', () => {
    expect(classFromAnnotations({ readOnlyHint: true })).toBe('read');
    expect(classFromAnnotations({ readOnlyHint: true, destructiveHint: true })).toBe('read');
    expect(classFromAnnotations({ destructiveHint: true })).toBe('destructive');
    expect(classFromAnnotations({ readOnlyHint: false, destructiveHint: false })).toBe('write');
    expect(classFromAnnotations(undefined)).toBe('write');
  });

  test('names for the model are provider-safe and unique; policy names and sources keep the original', () => {
    const tools = ['a.b', 'a_b', 'x'.repeat(70), 'x'.repeat(71)].map((name) => {
      const raw = { name, inputSchema: { type: 'object' } };
      const parsed = parseListedTool(raw, 0);
      if (!parsed.ok) throw new Error(parsed.message);
      return { raw, tool: parsed.tool };
    });
    const definitions = toToolDefinitions('srv', tools);
    expect(definitions.map((d) => d.name)).toEqual([
      'srv__a_b',
      'srv__a_b_2',
      `srv__${'x'.repeat(59)}`,
      `srv__${'x'.repeat(57)}_2`,
    ]);
    expect(definitions.every((d) => /^[a-zA-Z0-9_-]{1,64}$/.test(d.name))).toBe(true);
    expect(definitions.map((d) => d.policyName)).toEqual([
      'srv.a.b',
      'srv.a_b',
      `srv.${'x'.repeat(70)}`,
      `srv.${'x'.repeat(71)}`,
    ]);
    expect(definitions[0]!.source).toEqual({ kind: 'mcp', server: 'srv', tool: 'a.b' });
    expect(definitions[1]!.warnings?.[0]).toContain('"a_b" of server "srv" is offered to the model as srv__a_b_2');
  });

  test('the input schema object is passed on untouched; a malformed declaration is named', () => {
    const inputSchema = { type: 'object', properties: { q: { type: 'string' } }, $defs: {} };
    const raw = { name: 'find', inputSchema, extra: 1 };
    const parsed = parseListedTool(raw, 0);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(toToolDefinitions('srv', [{ raw, tool: parsed.tool }])[0]!.parameters).toBe(inputSchema);
    expect(parseListedTool({ name: 'bad', inputSchema: 'nope' }, 3)).toEqual({
      ok: false,
      message: expect.stringMatching(/^tool "bad" is malformed: inputSchema: /),
    });
    expect(schemaProblem(inputSchema)).toBeUndefined();
    expect(schemaProblem({ type: 'object', properties: { k: { $ref: 'https://x.example/k.json' } } })).toMatch(/ref/);
    expect(schemaProblem({ type: 'object', properties: { k: { type: 'strng' } } })).toMatch(/strng/);
    expect(parseListedTool({ inputSchema: {} }, 3)).toMatchObject({ message: expect.stringMatching(/^tool #4 /) });
  });
});

describe('MCP results for the model', () => {
  test('text joined, other content summarised, structured content when there is no text', () => {
    const outcome = toolOutcomeOf(
      {
        content: [
          { type: 'text', text: 'first' },
          { type: 'image', data: 'AAAA', mimeType: 'image/png' },
          { type: 'audio', data: 'AAA=', mimeType: 'audio/wav' },
          { type: 'resource_link', uri: 'file:///a.txt', name: 'a.txt' },
          { type: 'resource', resource: { uri: 'file:///b.txt', text: 'inline text' } },
          {
            type: 'resource',
            resource: { uri: 'file:///c.bin', blob: 'AAAAAA==', mimeType: 'application/octet-stream' },
          },
        ],
        structuredContent: { ignored: true },
      },
      1_000,
      same,
    );
    expect(outcome).toEqual({
      ok: true,
      output: [
        'first',
        '[image image/png, 3 bytes]',
        '[audio audio/wav, 2 bytes]',
        '[resource link file:///a.txt (a.txt)]',
        '[resource file:///b.txt]\ninline text',
        '[resource file:///c.bin application/octet-stream, 4 bytes]',
      ].join('\n'),
    });
    expect(toolOutcomeOf({ content: [], structuredContent: { n: 1 } }, 1_000, same)).toEqual({
      ok: true,
      output: '{"n":1}',
    });
    expect(toolOutcomeOf({ content: [] }, 1_000, same)).toEqual({ ok: true, output: '(no output)' });
  });

  test('isError is a tool error for the model; outputs are scrubbed and capped', () => {
    expect(toolOutcomeOf({ content: [{ type: 'text', text: 'nope' }], isError: true }, 1_000, same)).toEqual({
      ok: false,
      error: { type: 'ToolError', message: 'nope' },
    });
    const scrub = (text: string) => scrubSecrets(text, [{ name: 'TOKEN', value: 'sekrit-123' }]);
    const long = toolOutcomeOf({ content: [{ type: 'text', text: `sekrit-123 ${'z'.repeat(500)}` }] }, 100, scrub);
    if (!long.ok) throw new Error('expected ok');
    expect(long.output.startsWith('[redacted:TOKEN] ')).toBe(true);
    expect(long.output.length).toBeLessThanOrEqual(100);
  });
});

describe('MCP failures', () => {
  test('classified by whether the request could have reached the server', () => {
    expect(classifyFailure(new Error('Not connected'))).toBe('unsent');
    expect(classifyFailure(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toBe(
      'unsent',
    );
    expect(classifyFailure(new StreamableHTTPError(404, 'session not found'))).toBe('unsent');
    expect(classifyFailure(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'))).toBe('connection');
    expect(classifyFailure(Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_SOCKET' } }))).toBe(
      'connection',
    );
    expect(classifyFailure(new StreamableHTTPError(503, 'busy'))).toBe('connection');
    expect(classifyFailure(new McpError(ErrorCode.RequestTimeout, 'Request timed out'))).toBe('timeout');
    expect(classifyFailure(new McpError(ErrorCode.InvalidParams, 'bad'))).toBe('protocol');
    expect(classifyFailure(new StreamableHTTPError(401, 'who are you'))).toBe('auth');
  });

  test('typed, retryable or not, naming server and operation, with secrets scrubbed', () => {
    const context = {
      server: 'gh',
      operation: 'tools/call "create_issue"',
      scrub: (text: string) => scrubSecrets(text, [{ name: 'GH_TOKEN', value: 'ghp_abcdef' }]),
    };
    const protocol = toFailure(
      new McpError(ErrorCode.InvalidParams, 'MCP error -32602: token ghp_abcdef is bad'),
      context,
    );
    expect(protocol).toMatchObject({ type: 'McpProtocolError', nonRetryable: true });
    expect(protocol.message).toBe(
      'MCP server "gh", tools/call "create_issue": MCP error -32602: token [redacted:GH_TOKEN] is bad',
    );
    expect(toFailure(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'), context)).toMatchObject({
      type: 'McpTransportError',
      nonRetryable: false,
    });
    const missing = ApplicationFailure.nonRetryable('secret X is not set', 'SecretMissing');
    expect(toFailure(missing, context)).toBe(missing);
  });
});

describe('MCP credentials', () => {
  const resolver = new SecretResolver([
    { get: (name) => ({ KEY: 'k-1', USER_KEY__ann: 'u-ann', USER_KEY__bo: 'u-bo' })[name], describe: () => 'test' },
  ]);
  const headers = {
    authorization: { secret: 'USER_KEY', perUser: true },
    'x-key': { secret: 'KEY' },
    'x-plain': 'p',
  };
  const spec = McpServerSpecSchema.parse({ name: 'gh', transport: 'http', url: 'https://mcp.example/', headers });

  test('resolves references, remembers which secret each value came from', () => {
    const resolved = resolveServer(spec, resolver, 'ann');
    expect(resolved.values).toEqual({ authorization: 'u-ann', 'x-key': 'k-1', 'x-plain': 'p' });
    expect(resolved.secrets).toEqual([
      { name: 'USER_KEY__ann', value: 'u-ann' },
      { name: 'KEY', value: 'k-1' },
    ]);
    expect(resolved.perUser).toBe(true);
  });

  test('pool keys: per user when credentials are, free of secret values, stable across field order', () => {
    const ann = poolKey(resolveServer(spec, resolver, 'ann'), 'ann');
    const bo = poolKey(resolveServer(spec, resolver, 'bo'), 'bo');
    expect(ann).not.toBe(bo);
    expect(ann).not.toContain('u-ann');
    const reordered = McpServerSpecSchema.parse({
      headers,
      url: 'https://mcp.example/',
      transport: 'http',
      name: 'gh',
    });
    expect(poolKey(resolveServer(reordered, resolver, 'ann'), 'ann')).toBe(ann);

    const shared = McpServerSpecSchema.parse({ ...spec, headers: { 'x-key': { secret: 'KEY' } } });
    expect(poolKey(resolveServer(shared, resolver, 'ann'), 'ann')).toBe(
      poolKey(resolveServer(shared, resolver, 'bo'), 'bo'),
    );
  });
});
