// A real OpenID provider (the `oidc-provider` package) for tests, run as its own process: the package is ESM-only and
// jest here loads CommonJS, so test/helpers/oidc-provider.ts starts this file with plain Node and talks HTTP to it.
// Config arrives as JSON in argv[2]: { users: { [id]: claims } }. Prints one JSON line { issuer } once listening.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] ?? '{}');
const users = new Map(Object.entries(config.users ?? {}));

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: 'test-rs256',
  alg: 'RS256',
  use: 'sig',
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'reins-test',
      client_secret: 'reins-test-secret',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['reins-test-cookie-key'] },
  findAccount: (_ctx, id) =>
    users.has(id) ? { accountId: id, claims: () => ({ sub: id, ...users.get(id) }) } : undefined,
  claims: { openid: ['sub'], groups: ['groups'], email: ['email'] },
  scopes: ['openid', 'groups', 'email', 'api'],
  // ID tokens carry the scope's claims themselves, as many organisations' providers are set up.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      useGrantedResource: () => true,
      // Any resource is a JWT audience; one ending in /short gets tokens that expire after a second.
      getResourceServerInfo: (_ctx, resource) => ({
        scope: 'api',
        audience: resource,
        accessTokenTTL: resource.endsWith('/short') ? 1 : 300,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  // Access tokens carry the user's groups, so a resource server can map them to roles.
  extraTokenClaims: (_ctx, token) => {
    const claims = token.accountId ? users.get(token.accountId) : undefined;
    return claims?.groups ? { groups: claims.groups } : undefined;
  },
  pkce: { required: () => false },
  ttl: { IdToken: 300 },
});
provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc-provider: ${error.stack}\n`));

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
