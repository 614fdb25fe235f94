import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { RUN_STATUSES } from '../../common/run-state';
import { describeZodIssues } from '../../common/zod-issues';
import { RunNotFoundError } from '../errors';
import type { ReinsClient } from '../reins-client';
import type { ConsoleAuth } from './console-auth';
import { pendingFingerprint, pendingFor, readPending } from './console-data';
import { decideAs, type DecisionOutcome } from './decisions';
import type { ConsoleIdentity } from './identity';
import { html } from './html';
import { CONSOLE_SCRIPT, layout, signInPage } from './layout';
import { LiveUpdates, pendingVersion } from './live-updates';
import { pendingBody } from './pending-page';
import {
  BodyError,
  BulkFormSchema,
  DecideFormSchema,
  formFields,
  parseBulkItem,
  parseForm,
  readBody,
  SignInFormSchema,
} from './request-body';
import { runBody, runsBody } from './run-page';
import { readTranscript, transcriptSection } from './transcript-view';
import { cookieValue, csrfMatches, SessionStore, type ConsoleSession } from './sessions';

export interface ConsoleOptions {
  client: ReinsClient;
  auth: ConsoleAuth;
  port?: number;
  host?: string;
  /** How often pending requests are read while a page listens for changes. */
  pollIntervalMs?: number;
  /** Mark the session cookie Secure (serve behind HTTPS). */
  secureCookie?: boolean;
  sessionTtlMs?: number;
}

export interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

const COOKIE = 'reins_console';

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  // Not no-referrer: under it browsers send `Origin: null` with same-origin form posts.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;

const RunFiltersSchema = z.strictObject({
  agent: z.string().min(1).max(200).optional(),
  user: z.string().min(1).max(200).optional(),
  team: z.string().min(1).max(200).optional(),
  status: z.enum(RUN_STATUSES).optional(),
});

/** Only a path of this console, never another origin (`//host`, `/\host`). */
const safeBack = (back: string | undefined): string => (back && /^\/(?![/\\])[\w\-./%~]*$/.test(back) ? back : '/');

/** Whether a request's Origin, when it sends one, is this console's own host. */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return origin !== 'null' && new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** A run id from the path; a malformed escape is bad input (400), not a server error. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BodyError(400, 'the run id in the path is not valid URI encoding');
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Serves the approvers' console: sign-in, pending requests, runs and their timelines, decisions, live updates. */
export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const reins = options.client;
  const sessions = new SessionStore(options.sessionTtlMs);
  const live = new LiveUpdates(reins, options.pollIntervalMs ?? 1_000);

  function send(response: ServerResponse, status: number, body: string, type = 'text/html; charset=utf-8'): void {
    response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type });
    response.end(body);
  }
  function redirect(response: ServerResponse, location: string, headers: Record<string, string> = {}): void {
    response.writeHead(303, { ...SECURITY_HEADERS, location, ...headers });
    response.end();
  }
  function startSession(response: ServerResponse, identity: ConsoleIdentity, next = '/'): void {
    const session = sessions.create(identity);
    const maxAge = Math.floor((session.expiresAt - Date.now()) / 1000);
    redirect(response, safeBack(next), {
      'set-cookie': `${COOKIE}=${session.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${options.secureCookie ? '; Secure' : ''}`,
    });
  }
  const takeFlash = (session: ConsoleSession, request: IncomingMessage) => {
    // A live refresh leaves the message to the page the browser is navigating to.
    if (request.headers['x-reins-refresh'] === '1') return undefined;
    const flash = session.flash;
    session.flash = undefined;
    return flash;
  };

  async function pendingPage(
    session: ConsoleSession,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const { all, unavailable } = await readPending(reins);
    const items = pendingFor(all, session.identity);
    const body = pendingBody({ session, items, hiddenCount: all.length - items.length, unavailable });
    const version = pendingVersion(pendingFingerprint(all));
    send(
      response,
      200,
      layout({ title: 'Pending approvals', session, flash: takeFlash(session, request), version, body }),
    );
  }

  async function runPage(
    session: ConsoleSession,
    runId: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const [state, { all }] = await Promise.all([reins.getState(runId), readPending(reins)]);
    const running = state.status === 'running' || state.status === 'awaiting_approval';
    const transcript = transcriptSection(await readTranscript(reins, runId, running));
    const version = pendingVersion(pendingFingerprint(all));
    const body = runBody({ session, state, transcript });
    send(response, 200, layout({ title: `Run ${runId}`, session, flash: takeFlash(session, request), version, body }));
  }

  async function runsPage(
    session: ConsoleSession,
    url: URL,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const raw = new Map<string, string>();
    for (const name of Object.keys(RunFiltersSchema.shape)) {
      const value = url.searchParams.get(name)?.trim();
      if (value) raw.set(name, value);
    }
    const parsed = RunFiltersSchema.safeParse(Object.fromEntries(raw));
    const filters = Object.fromEntries(raw);
    let runs: Awaited<ReturnType<ReinsClient['listRuns']>> = [];
    let error: string | undefined;
    if (parsed.success) runs = await reins.listRuns({ ...parsed.data, limit: 100 });
    else error = describeZodIssues(parsed.error);
    const body = runsBody({ runs, filters, error });
    send(
      response,
      parsed.success ? 200 : 400,
      layout({ title: 'Runs', session, flash: takeFlash(session, request), body }),
    );
  }

  async function decide(session: ConsoleSession, body: string, response: ServerResponse): Promise<void> {
    const form = parseForm(DecideFormSchema, formFields(body));
    if (!csrfMatches(session, form.csrf))
      return send(response, 403, 'the form is stale: reload the page (CSRF token)', 'text/plain');
    const outcome = await decideAs(reins, session.identity, form);
    session.flash = { kind: outcome.ok ? 'ok' : 'error', text: outcome.text };
    if (outcome.ok) live.notify();
    redirect(response, safeBack(form.back));
  }

  async function decideBulk(session: ConsoleSession, body: string, response: ServerResponse): Promise<void> {
    const form = parseForm(BulkFormSchema, formFields(body), ['item']);
    if (!csrfMatches(session, form.csrf))
      return send(response, 403, 'the form is stale: reload the page (CSRF token)', 'text/plain');
    const items = form.item.map(parseBulkItem);
    // One at a time: each is its own update, and a run's refusal of one leaves the others standing.
    const outcomes: DecisionOutcome[] = [];
    for (const item of items) {
      outcomes.push(await decideAs(reins, session.identity, { ...item, decision: form.decision, reason: form.reason }));
    }
    const done = outcomes.filter((outcome) => outcome.ok).length;
    const failed = outcomes.filter((outcome) => !outcome.ok).map((outcome) => outcome.text);
    session.flash = {
      kind: failed.length ? 'error' : 'ok',
      text: `${form.decision === 'approve' ? 'approved' : 'rejected'} ${done} of ${outcomes.length}${failed.length ? `; ${failed.join('; ')}` : ''}`,
    };
    if (done > 0) live.notify();
    redirect(response, '/');
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://console.invalid');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    if (path.startsWith('/auth/') && options.auth.handle) {
      if (await options.auth.handle(request, response, (identity) => startSession(response, identity))) return;
    }
    // Writes from another origin are refused outright (the sign-in form too, against signing a victim in as someone
    // else); the CSRF token below covers browsers that send no Origin.
    if (method === 'POST' && !sameOrigin(request))
      return send(response, 403, 'cross-origin write refused', 'text/plain');
    if (path === '/signin') {
      if (method === 'GET')
        return send(
          response,
          200,
          signInPage({ ...options.auth, next: safeBack(url.searchParams.get('next') ?? undefined) }),
        );
      if (method !== 'POST') return send(response, 405, 'method not allowed', 'text/plain');
      const form = parseForm(SignInFormSchema, formFields(await readBody(request, 4096)));
      const identity = await options.auth.verifyToken(form.token);
      if (!identity)
        return send(
          response,
          401,
          signInPage({ ...options.auth, next: safeBack(form.next), error: 'that token signs nobody in' }),
        );
      return startSession(response, identity, form.next);
    }
    const session = sessions.get(cookieValue(request.headers.cookie, COOKIE));
    if (!session) {
      // A link from a notification comes back to where it pointed once the person has signed in.
      if (method === 'GET' && path !== '/events' && path !== '/console.js')
        return redirect(response, path === '/' ? '/signin' : `/signin?next=${encodeURIComponent(safeBack(path))}`);
      return send(response, 401, 'sign in first', 'text/plain');
    }
    if (method === 'POST') {
      const body = await readBody(request);
      if (path === '/decide') return await decide(session, body, response);
      if (path === '/decide/bulk') return await decideBulk(session, body, response);
      if (path === '/signout') {
        const form = parseForm(z.object({ csrf: z.string().max(200).default('') }), formFields(body));
        if (!csrfMatches(session, form.csrf)) return send(response, 403, 'CSRF token missing or wrong', 'text/plain');
        sessions.delete(session.id);
        return redirect(response, '/signin', {
          'set-cookie': `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`,
        });
      }
      return send(response, 404, 'not found', 'text/plain');
    }
    if (method !== 'GET') return send(response, 405, 'method not allowed', 'text/plain');
    if (path === '/') return await pendingPage(session, request, response);
    if (path === '/runs') return await runsPage(session, url, request, response);
    // `/runs/<run>` and, as notifications link to a request, `/runs/<run>/approvals/<request>` (its run's page).
    const runPath = /^\/runs\/([^/]+)(?:\/approvals\/[^/]+)?$/.exec(path);
    if (runPath) return await runPage(session, decodedSegment(runPath[1] ?? ''), request, response);
    if (path === '/events') return live.subscribe(response, (url.searchParams.get('v') ?? '').slice(0, 64));
    if (path === '/console.js') return send(response, 200, CONSOLE_SCRIPT, 'text/javascript; charset=utf-8');
    return send(response, 404, layout({ title: 'Not found', session, body: html`<main><h1>Not found</h1></main>` }));
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.end();
      const status = error instanceof BodyError ? error.status : error instanceof RunNotFoundError ? 404 : 500;
      send(response, status, messageOf(error), 'text/plain; charset=utf-8');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
