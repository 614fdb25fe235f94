import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';

export const TEST_CLIENT_ID = 'reins-test';
const CLIENT_SECRET = 'reins-test-secret';
const REDIRECT_URI = 'http://127.0.0.1/callback';
/** The resource (audience) tokens are for unless a test asks for another. */
export const TEST_AUDIENCE = 'https://reins.test/api';
/** Tokens for this resource expire one second after they are issued. */
export const SHORT_LIVED_AUDIENCE = 'https://reins.test/short';

export interface OidcProvider {
  issuer: string;
  jwksUrl: string;
  /**
   * A token for `user`, obtained through a real authorization-code flow: the provider's login and consent pages are
   * filled in over HTTP with a cookie jar, then the code is exchanged at the token endpoint. `access` (default) is a
   * JWT access token for `audience`; `id` is the ID token (its audience is the client id).
   */
  tokenFor(user: string, options?: { audience?: string; kind?: 'access' | 'id' }): Promise<string>;
  close(): Promise<void>;
}

const TokenResponseSchema = z.object({ access_token: z.string(), id_token: z.string().optional() });

/** Cookies by name for one browser session; enough for the provider's interaction and session cookies. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      if (at > 0) this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** Starts a real OpenID provider on 127.0.0.1 (a random port) with these users and their claims (`groups`, ...). */
export async function startOidcProvider(users: Record<string, Record<string, unknown>>): Promise<OidcProvider> {
  const script = path.join(__dirname, 'oidc-provider-server.mjs');
  const child: ChildProcess = spawn(process.execPath, [script, JSON.stringify({ users })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const issuer = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => resolve(z.object({ issuer: z.string() }).parse(JSON.parse(line)).issuer));
    child.once('exit', (code) => reject(new Error(`oidc-provider exited (${code}): ${stderr}`)));
  });

  const tokenFor: OidcProvider['tokenFor'] = async (user, options = {}) => {
    const jar = new CookieJar();
    const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
      const response = await fetch(new URL(url, issuer), {
        ...init,
        redirect: 'manual',
        headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
      });
      jar.take(response);
      return response;
    };
    const submit = async (page: Response, fields: Record<string, string>): Promise<Response> => {
      const html = await page.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (!action) throw new Error(`no form on the provider's page: ${html.slice(0, 500)}`);
      return go(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    };

    const authorize = new URL('/auth', issuer);
    authorize.search = new URLSearchParams({
      client_id: TEST_CLIENT_ID,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid groups email api',
      resource: options.audience ?? TEST_AUDIENCE,
      state: 'test',
      nonce: 'test',
    }).toString();
    // Follow redirects by hand, answering the login and the consent page, until the provider sends the code back.
    let response = await go(authorize.toString());
    for (let hop = 0; hop < 20; hop++) {
      const location = response.headers.get('location');
      if (location?.startsWith(REDIRECT_URI)) {
        const code = new URL(location).searchParams.get('code');
        if (!code) throw new Error(`authorization failed: ${location}`);
        return exchange(code, options.kind ?? 'access', options.audience ?? TEST_AUDIENCE);
      }
      if (location) {
        response = await go(location);
        continue;
      }
      const html = await response.clone().text();
      if (html.includes('name="login"'))
        response = await submit(response, { prompt: 'login', login: user, password: 'x' });
      else if (html.includes('value="consent"')) response = await submit(response, { prompt: 'consent' });
      else throw new Error(`unexpected provider page (${response.status}): ${html.slice(0, 500)}`);
    }
    throw new Error('too many redirects from the provider');
  };

  const exchange = async (code: string, kind: 'access' | 'id', audience: string): Promise<string> => {
    const response = await fetch(new URL('/token', issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        client_id: TEST_CLIENT_ID,
        client_secret: CLIENT_SECRET,
        resource: audience,
      }).toString(),
    });
    const body: unknown = await response.json();
    if (!response.ok) throw new Error(`token endpoint refused: ${JSON.stringify(body)}`);
    const tokens = TokenResponseSchema.parse(body);
    if (kind === 'access') return tokens.access_token;
    if (!tokens.id_token) throw new Error('the provider issued no ID token');
    return tokens.id_token;
  };

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    tokenFor,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
