import type { IncomingHttpHeaders } from 'node:http';
import { limitOutput } from './output-limit';
import type { HopResponse } from './http-request-send';
import { ownValue } from '../../common/own';

/** What the model reads of a body: well under the activity's cap, so status and headers always fit. */
export const BODY_CHARS_FOR_MODEL = 12_000;

/** Headers worth the model's attention; the rest (cookies, tracing, caching) cost context and can carry secrets. */
const SHOWN_HEADERS = ['content-type', 'content-length', 'location', 'retry-after', 'etag', 'last-modified', 'link'];

function isText(contentType: string): boolean {
  return /^text\/|[/+](json|xml|javascript|x-www-form-urlencoded|csv|yaml|html)\b/i.test(contentType);
}

function formatBody(body: Buffer, contentType: string, truncated: boolean): string {
  if (body.length === 0) return '(empty body)';
  if (/[/+]json\b/i.test(contentType) && !truncated) {
    try {
      const value: unknown = JSON.parse(body.toString('utf8'));
      const pretty = JSON.stringify(value, null, 2);
      // Pretty when it fits; compact otherwise, so more of the data survives the cut.
      return pretty.length <= BODY_CHARS_FOR_MODEL ? pretty : limitOutput(JSON.stringify(value), BODY_CHARS_FOR_MODEL);
    } catch {
      // Not valid JSON after all: shown as text.
    }
  }
  if (isText(contentType) || !contentType) {
    const text = body.toString('utf8');
    // Text without a type that is mostly control bytes is binary in disguise.
    const binary = !contentType && /[\u0000-\u0008\u000e-\u001f]/.test(text.slice(0, 1000));
    if (!binary) return limitOutput(text, BODY_CHARS_FOR_MODEL);
  }
  return `[binary body: ${contentType || 'unknown type'}, ${body.length.toLocaleString('en-US')} bytes not shown]`;
}

function shownHeaders(headers: IncomingHttpHeaders): string[] {
  return SHOWN_HEADERS.flatMap((name) => {
    const value = ownValue(headers, name);
    return value === undefined ? [] : [`${name}: ${Array.isArray(value) ? value.join(', ') : value}`];
  });
}

/** Status line, a few headers and the body, shaped for the model by content type. */
export function formatResponse(response: HopResponse, finalUrl: URL, notes: string[], maxBytes: number): string {
  const contentType = String(response.headers['content-type'] ?? '');
  const lines = [`HTTP ${response.status} ${response.statusText}`.trim(), `url: ${finalUrl.href}`];
  lines.push(...shownHeaders(response.headers), ...notes);
  if (response.truncated) lines.push(`note: the body is larger than ${maxBytes} bytes; only the first part was read.`);
  return `${lines.join('\n')}\n\n${formatBody(response.body, contentType, response.truncated)}`;
}
