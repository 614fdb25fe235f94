import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { DEFAULT_CODEC_ORIGINS } from '../common/task-queues';
import { EncryptionCodec, type EncryptionKeys } from '../shared/codec';
import { authorizeCodecCall, checkCodecAuth, type CodecAuth } from './codec-auth';

const ProtoPayload = temporal.api.common.v1.Payload;

// Where the CLI's help can read it without loading the codec server.
export { DEFAULT_CODEC_ORIGINS };
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface CodecServerOptions extends CodecAuth {
  keys: EncryptionKeys;
  port?: number;
  /** 127.0.0.1 unless set; serving without authentication is allowed only on a loopback host. */
  host?: string;
  /** Browser origins allowed to call (the UI's address). */
  origins?: string[];
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

/** Payloads in the proto3 JSON form the UI sends: metadata values and data as base64. */
const BodySchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.string()).optional(),
      data: z.string().optional(),
    }),
  ),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function toJson(payload: Payload): unknown {
  return ProtoPayload.toObject(ProtoPayload.create(payload), { bytes: String });
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The Temporal Web UI's remote codec endpoint: POST /encode and /decode with `{ payloads }`. The UI calls it from
 * the browser, so it answers CORS preflights for the configured origins only; decrypted data leaves it only to
 * callers holding the token or an access token from the policy's identity providers (see codec-auth.ts). Refuses to
 * start with neither, unless told to serve anyone on a loopback host.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const host = options.host ?? '127.0.0.1';
  checkCodecAuth(options, host);
  const codec = new EncryptionCodec(options.keys);
  const origins = new Set(options.origins ?? DEFAULT_CODEC_ORIGINS);

  const server = http.createServer((request, response) => {
    const origin = request.headers.origin;
    if (origin && origins.has(origin)) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Vary', 'Origin');
      response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      response.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
      response.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    void (async () => {
      if (request.method === 'OPTIONS') {
        response.writeHead(origin && origins.has(origin) ? 204 : 403);
        response.end();
        return;
      }
      const route = new URL(request.url ?? '/', 'http://codec').pathname.replace(/\/+$/, '');
      if (request.method !== 'POST' || (route !== '/encode' && route !== '/decode')) {
        throw new HttpError(404, 'POST /encode or /decode');
      }
      const caller = await authorizeCodecCall(request.headers.authorization, options);
      if (!caller.ok) {
        response.setHeader('WWW-Authenticate', 'Bearer');
        throw new HttpError(caller.status, caller.reason);
      }
      let json: unknown;
      try {
        json = JSON.parse(await readBody(request));
      } catch (error) {
        if (error instanceof HttpError) throw error;
        throw new HttpError(400, 'body is not JSON');
      }
      const parsed = BodySchema.safeParse(json);
      if (!parsed.success)
        throw new HttpError(400, 'body must be { "payloads": [{ "metadata": {...}, "data": "..." }] }');
      const payloads = parsed.data.payloads.map((p) => ProtoPayload.fromObject(p) as Payload);
      try {
        const out = route === '/encode' ? await codec.encode(payloads) : await codec.decode(payloads);
        send(200, { payloads: out.map(toJson) });
      } catch (error) {
        throw new HttpError(400, error instanceof Error ? error.message : String(error));
      }
    })().catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      send(status, { error: error instanceof Error ? error.message : String(error) });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8888, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
