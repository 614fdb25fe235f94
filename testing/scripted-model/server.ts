import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { completionBody, errorBody, faultErrorBody, turnOf } from './completion';
import {
  ChatRequestBodySchema,
  ScriptTurnSchema,
  formatIssues,
  type ChatRequestBody,
  type Script,
  type ScriptFn,
  type ScriptTurn,
} from './script';

export interface ScriptedModelOptions {
  script: Script | ScriptFn;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Defaults to 0: a free port chosen by the OS. */
  port?: number;
  /** Echoed in replies when the request names no model. */
  model?: string;
}

/** 'error' marks requests the server refused itself (streaming asked for, script exhausted, bad script). */
export type RequestOutcome = 'reply' | 'fault' | 'hangup' | 'error';

export interface RecordedRequest {
  receivedAt: number;
  turn: number;
  attempt: number;
  conversation: string;
  body: ChatRequestBody;
  headers: Record<string, string | string[] | undefined>;
  outcome: RequestOutcome;
}

export interface ScriptedModelServer {
  /** Base URL ending in /v1, ready to be used as the openai SDK's baseURL. */
  url: string;
  port: number;
  /** Every well-formed chat request, in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
  /** Swaps the script and forgets fault attempts, so the new script's faults apply from the start. */
  setScript(script: Script | ScriptFn): void;
}

const ROUTES = new Set(['/v1/chat/completions', '/chat/completions']);

/** Identifies a conversation by its opening (system + first user message), which stays fixed as it grows. */
export function conversationId(request: ChatRequestBody): string {
  return createHash('sha256')
    .update(JSON.stringify(request.messages.slice(0, 2)))
    .digest('hex')
    .slice(0, 16);
}

export async function startScriptedModel(options: ScriptedModelOptions): Promise<ScriptedModelServer> {
  let script = options.script;
  const attempts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  let completions = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'POST' || !ROUTES.has(path)) {
      send(
        res,
        404,
        errorBody(`scripted model: no route for ${req.method ?? '?'} ${path}`, 'invalid_request_error', 'not_found'),
      );
      return;
    }

    const raw = await readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      send(res, 400, errorBody(`scripted model: request body is not valid JSON: ${messageOf(err)}`));
      return;
    }
    const parsed = ChatRequestBodySchema.safeParse(json);
    if (!parsed.success) {
      send(
        res,
        400,
        errorBody(`scripted model: invalid request body: ${formatIssues(parsed.error).replace(/\n/g, '; ')}`),
      );
      return;
    }

    const body = parsed.data;
    const turn = turnOf(body);
    const conversation = conversationId(body);
    const key = `${conversation}:${turn}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const record: RecordedRequest = {
      receivedAt: Date.now(),
      turn,
      attempt,
      conversation,
      body,
      headers: { ...req.headers },
      outcome: 'error',
    };
    requests.push(record);

    if (body.stream) {
      send(res, 400, errorBody('scripted model: streaming is not supported; send the request with stream: false'));
      return;
    }

    const current = script;
    let scriptTurn: ScriptTurn;
    if (typeof current === 'function') {
      const produced = ScriptTurnSchema.safeParse(await current(body, turn, attempt));
      if (!produced.success) {
        const issues = formatIssues(produced.error).replace(/\n/g, '; ');
        send(
          res,
          500,
          errorBody(`scripted model: the script function returned an invalid turn: ${issues}`, 'server_error'),
        );
        return;
      }
      scriptTurn = produced.data;
    } else {
      const found = current[turn];
      if (found === undefined) {
        send(res, 400, errorBody(`scripted model: the script has no turn ${turn} (it has ${current.length})`));
        return;
      }
      scriptTurn = found;
    }

    const fault = scriptTurn.faults?.[attempt - 1];
    if (fault === undefined) {
      record.outcome = 'reply';
      if (!(await pause(scriptTurn.delayMs, res))) return;
      completions += 1;
      const model = body.model ?? options.model ?? 'scripted-model';
      send(res, 200, completionBody(body, scriptTurn.reply, { id: `chatcmpl-${completions}`, model, turn }));
    } else if ('hangup' in fault) {
      record.outcome = 'hangup';
      if (!(await pause(fault.delayMs, res))) return;
      req.socket.destroy();
    } else {
      record.outcome = 'fault';
      if (!(await pause(fault.delayMs, res))) return;
      send(res, fault.status, fault.body ?? faultErrorBody(fault.status), fault.headers);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A client that went away mid-request needs no answer.
      if (res.destroyed || res.headersSent) {
        res.destroy();
        return;
      }
      send(res, 500, errorBody(`scripted model: ${messageOf(err)}`, 'server_error'));
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${port}/v1`,
    port,
    requests,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets would otherwise hold close() open until they time out.
        server.closeAllConnections();
      });
      return closing;
    },
    setScript(next) {
      script = next;
      attempts.clear();
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Resolves true after `ms`, or false as soon as the client disconnects, so nobody writes to a dead socket. */
function pause(ms: number | undefined, res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (!ms) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

/** Strings go out verbatim (to simulate non-JSON error pages); anything else as JSON. */
function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const isText = typeof body === 'string';
  const payload = isText ? body : JSON.stringify(body);
  const merged: Record<string, string> = {
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
  };
  // Lower-cased so a scripted `Content-Type` replaces the default instead of doubling it.
  for (const [name, value] of Object.entries(headers)) merged[name.toLowerCase()] = value;
  res.writeHead(status, merged);
  res.end(payload);
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
