import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { EncryptionCodec, parseEncryptionKeys } from '../../shared/codec';
import { startCodecServer, type CodecServer } from '../../client/codec-server';

const keys = parseEncryptionKeys(`k1:${randomBytes(32).toString('base64')}`);
const otherKeys = parseEncryptionKeys(`k9:${randomBytes(32).toString('base64')}`);
const TOKEN = 'codec-token-0123456789';
const UI = 'http://localhost:8233';

const toJson = (payload: temporal.api.common.v1.IPayload) =>
  temporal.api.common.v1.Payload.toObject(temporal.api.common.v1.Payload.create(payload), { bytes: String });

describe('codec server', () => {
  let server: CodecServer;
  beforeAll(async () => {
    server = await startCodecServer({ keys, port: 0, token: TOKEN, origins: [UI] });
  });
  afterAll(() => server.close());

  const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${route}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Origin: UI, ...headers },
      body: JSON.stringify(body),
    });

  it('decodes what the worker encrypted, as the Web UI asks for it', async () => {
    const [encrypted] = await new EncryptionCodec(keys).encode([defaultPayloadConverter.toPayload({ prompt: 'hi' })]);
    const response = await post('/decode', { payloads: [toJson(encrypted!)] }, { Authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI);
    const body = (await response.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(Buffer.from(body.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(body.payloads[0]!.data, 'base64').toString())).toEqual({ prompt: 'hi' });
  });

  it('encodes, and its output decodes again', async () => {
    const plain = toJson(defaultPayloadConverter.toPayload('round trip'));
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const encoded = (await (await post('/encode', { payloads: [plain] }, auth)).json()) as { payloads: unknown[] };
    expect(JSON.stringify(encoded)).not.toContain(Buffer.from('"round trip"').toString('base64'));
    const decoded = (await (await post('/decode', encoded, auth)).json()) as { payloads: unknown[] };
    expect(decoded.payloads).toEqual([plain]);
  });

  it('refuses a missing or wrong token', async () => {
    expect((await post('/decode', { payloads: [] })).status).toBe(401);
    expect((await post('/decode', { payloads: [] }, { Authorization: 'Bearer nope' })).status).toBe(401);
  });

  it('refuses a payload encrypted with a key it does not have, naming the key id', async () => {
    const [foreign] = await new EncryptionCodec(otherKeys).encode([defaultPayloadConverter.toPayload('x')]);
    const response = await post('/decode', { payloads: [toJson(foreign!)] }, { Authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('"k9"');
  });

  it('answers CORS preflights for the UI origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
    const ok = await preflight(UI);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-headers')).toContain('X-Namespace');
    const other = await preflight('https://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a body that is not a payload list', async () => {
    const response = await post('/decode', { nope: 1 }, { Authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(400);
  });
});
