import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { policyFileProviders } from '../../client/codec-auth';
import { startCodecServer, type CodecServer } from '../../client/codec-server';
import { IdentityProviderSchema } from '../../common/identity/identity-settings';
import { EncryptionCodec, parseEncryptionKeys } from '../../shared/codec';
import { runCli, startCli } from '../helpers/cli';
import { type OidcProvider, SHORT_LIVED_AUDIENCE, startOidcProvider, TEST_AUDIENCE } from '../helpers/oidc-provider';

const KEYS_TEXT = `k1:${randomBytes(32).toString('base64')}`;
const keys = parseEncryptionKeys(KEYS_TEXT);
const UI = 'http://localhost:8233';

let idp: OidcProvider;
let encrypted: temporal.api.common.v1.IPayload;

beforeAll(async () => {
  idp = await startOidcProvider({ alice: { groups: ['support'] }, bob: { groups: ['eng'] } });
  [encrypted] = (await new EncryptionCodec(keys).encode([defaultPayloadConverter.toPayload('secret prompt')])) as [
    temporal.api.common.v1.IPayload,
  ];
});
afterAll(() => idp?.close());

const providerConfig = () => ({
  name: 'corp',
  issuer: idp.issuer,
  audience: [TEST_AUDIENCE, SHORT_LIVED_AUDIENCE],
  jwksUrl: idp.jwksUrl,
  rolesClaim: 'groups',
  roleMap: { support: 'payload-reader' },
  clockTolerance: '1ms',
});

/** What the Web UI sends with "pass access token": the user's token, the namespace, from the UI's origin. */
const decode = (server: CodecServer, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/decode`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Origin: UI, ...headers },
    body: JSON.stringify({
      payloads: [
        temporal.api.common.v1.Payload.toObject(temporal.api.common.v1.Payload.create(encrypted), { bytes: String }),
      ],
    }),
  });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;

describe('codec server with the identity provider of the platform policy', () => {
  let server: CodecServer;
  beforeAll(async () => {
    const providers = [IdentityProviderSchema.parse(providerConfig())];
    server = await startCodecServer({ keys, port: 0, origins: [UI], providers: () => providers });
  });
  afterAll(() => server?.close());

  it("decodes for the Web UI with a user's access token from the provider", async () => {
    const response = await decode(server, bearer(await idp.tokenFor('bob')));
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI);
    const body = (await response.json()) as { payloads: Array<{ data: string }> };
    expect(Buffer.from(body.payloads[0]!.data, 'base64').toString()).toBe('"secret prompt"');
  });

  it('answers 401 with the reason for no token, a wrong audience and an expired token', async () => {
    const none = await decode(server);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await errorOf(none)).toBe('missing bearer token (Authorization: Bearer <token>)');

    const other = await decode(server, bearer(await idp.tokenFor('bob', { audience: 'https://other.test/api' })));
    expect(other.status).toBe(401);
    expect(await errorOf(other)).toMatch(/^access token refused: audience "https:\/\/other.test\/api" not accepted/);

    const short = await idp.tokenFor('bob', { audience: SHORT_LIVED_AUDIENCE });
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const expired = await decode(server, bearer(short));
    expect(expired.status).toBe(401);
    expect(await errorOf(expired)).toMatch(/^access token refused: token expired at /);
  });

  it('lets the UI send the Authorization header across origins', async () => {
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        Origin: UI,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
  });
});

describe('codec server reading the policy file', () => {
  it('stops trusting a provider as soon as the policy file drops it', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-codec-')), 'policy.yaml');
    writeFileSync(file, JSON.stringify({ identity: { providers: [providerConfig()] } }));
    const server = await startCodecServer({
      keys,
      port: 0,
      token: 'static-codec-token-0123',
      providers: policyFileProviders(file),
    });
    try {
      const token = await idp.tokenFor('bob');
      expect((await decode(server, bearer(token))).status).toBe(200);
      writeFileSync(file, JSON.stringify({ identity: { providers: [] } }));
      const after = await decode(server, bearer(token));
      expect(after.status).toBe(401);
      expect(await errorOf(after)).toBe('wrong bearer token');
      expect((await decode(server, bearer('static-codec-token-0123'))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('codec server that requires a role', () => {
  it('decodes for a user with the role and answers 403 for one without', async () => {
    const providers = [IdentityProviderSchema.parse(providerConfig())];
    const server = await startCodecServer({ keys, port: 0, providers: () => providers, requireRole: 'payload-reader' });
    try {
      expect((await decode(server, bearer(await idp.tokenFor('alice')))).status).toBe(200);
      const bob = await decode(server, bearer(await idp.tokenFor('bob')));
      expect(bob.status).toBe(403);
      expect(await errorOf(bob)).toBe('user "bob" lacks the role "payload-reader"');
    } finally {
      await server.close();
    }
  });
});

describe('codec server without authentication', () => {
  it('refuses to start unless told to, and then only on a loopback host', async () => {
    await expect(startCodecServer({ keys, port: 0 })).rejects.toThrow(/--insecure-no-auth serves anyone/);
    await expect(startCodecServer({ keys, port: 0, host: '0.0.0.0', insecureNoAuth: true })).rejects.toThrow(
      '--insecure-no-auth is allowed only on a loopback host (127.0.0.1, ::1), not 0.0.0.0',
    );
    const server = await startCodecServer({ keys, port: 0, insecureNoAuth: true });
    try {
      expect((await decode(server)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('`reins codec-server` refuses without auth, naming the flag, and starts with a policy or the flag', async () => {
    const env = { REINS_ENCRYPTION_KEYS: KEYS_TEXT };
    const refused = await runCli(['codec-server', '--port', '0'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--insecure-no-auth');

    const policy = path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-codec-')), 'policy.yaml');
    writeFileSync(policy, JSON.stringify({ identity: { providers: [providerConfig()] } }));
    const withPolicy = startCli(['codec-server', '--port', '0'], { ...env, REINS_POLICY_FILE: policy });
    try {
      const [, url] = await withPolicy.waitFor(/codec server at (http:\/\/\S+) .*accepting access tokens from corp/);
      const response = await decode({ url: url!, close: async () => undefined }, bearer(await idp.tokenFor('bob')));
      expect(response.status).toBe(200);
    } finally {
      expect((await withPolicy.stop('SIGINT')).code).toBe(0);
    }

    const open = startCli(['codec-server', '--port', '0', '--insecure-no-auth'], env);
    try {
      await open.waitFor(/WITHOUT authentication/);
    } finally {
      expect((await open.stop('SIGINT')).code).toBe(0);
    }
  });
});
