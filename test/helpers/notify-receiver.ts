import { startSmtpSink, type SmtpSink } from '../fixtures/smtp/smtp-sink';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A real HTTP receiver for webhook and Slack notifications. Paths choose the behaviour: `/fail` answers 500, `/hang`
 * never answers, `/huge` answers 200 with an endless body, `/refuse` 403; anything else 200 `ok`.
 */
export async function startReceiver(): Promise<{ url: string; posts: ReceivedPost[]; close(): Promise<void> }> {
  const posts: ReceivedPost[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      posts.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      if (path.startsWith('/fail')) return void res.writeHead(500).end('boom '.repeat(10_000));
      if (path.startsWith('/refuse')) return void res.writeHead(403).end('no');
      if (path.startsWith('/hang')) return; // never answers
      if (path.startsWith('/huge')) {
        res.writeHead(200);
        const block = 'x'.repeat(64 * 1024);
        const pump = () => {
          while (!res.destroyed && res.write(block));
          if (!res.destroyed) res.once('drain', pump);
        };
        return pump();
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Verifies a webhook delivery the way docs/approvals.md tells receivers to: HMAC-SHA256 of `<timestamp>.<raw body>`
 * with the shared secret, compared in constant time, and a timestamp no more than five minutes from now.
 */
export function verifyReinsSignature(
  secret: string,
  headers: http.IncomingHttpHeaders,
  rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const timestamp = String(headers['x-reins-timestamp'] ?? '');
  const signature = String(headers['x-reins-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

/** An HTTP receiver and an SMTP sink for the length of a describe block; read them inside tests. */
export function useNotificationSinks(): { receiver: () => Receiver; smtp: () => SmtpSink } {
  let receiver: Receiver | undefined;
  let smtp: SmtpSink | undefined;
  beforeAll(async () => {
    [receiver, smtp] = await Promise.all([startReceiver(), startSmtpSink()]);
  });
  afterAll(async () => {
    await Promise.all([receiver?.close(), smtp?.close()]);
  });
  return { receiver: () => receiver!, smtp: () => smtp! };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
