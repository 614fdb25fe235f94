import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../../common/errors';

/** An endpoint gets this long for the whole exchange, body included; a hanging one fails the attempt. */
export const NOTIFY_HTTP_TIMEOUT_MS = 10_000;
/** What is read of an endpoint's answer: enough for an error line, never a huge body. */
const MAX_RESPONSE_BYTES = 2_048;

/**
 * Posts a JSON body and reads at most a little of the answer. A 2xx is delivered; 408, 429 and 5xx, timeouts and
 * connection errors are retried; any other status is refused for good. Messages name the channel, never the URL
 * (a Slack URL is a credential).
 */
export async function postJson(
  channel: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs = NOTIFY_HTTP_TIMEOUT_MS,
): Promise<{ status: number }> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'reins-notify', ...headers },
      body,
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    const why = signal.aborted ? `no answer within ${timeoutMs} ms` : causeOf(error);
    throw ApplicationFailure.retryable(`${channel}: ${why}`, ErrorType.NotificationFailed);
  }
  const head = await readSome(response, signal).catch(() => '');
  if (response.status >= 200 && response.status < 300) return { status: response.status };
  const said = head ? `: ${head.replace(/\s+/g, ' ').slice(0, 200)}` : '';
  const message = `${channel} answered ${response.status}${said}`;
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    throw ApplicationFailure.retryable(message, ErrorType.NotificationFailed);
  }
  throw ApplicationFailure.nonRetryable(message, ErrorType.NotificationRefused);
}

async function readSome(response: Response, signal: AbortSignal): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_RESPONSE_BYTES && !signal.aborted) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // The rest of a long or endless body is dropped, and the connection with it.
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
