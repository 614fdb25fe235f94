import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './net-guard';
import { ToolError } from '../../common/tools/define-tool';
import { ErrorType } from '../../common/errors';

export interface HopRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** The checked address: the socket goes there, while Host and SNI keep the name. */
  address: ResolvedAddress;
  maxBytes: number;
  signal: AbortSignal;
}

export interface HopResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Bytes the server sent beyond `maxBytes`, which were not read. */
  truncated: boolean;
}

/** A lookup that always answers with the address already checked, whatever form the socket asks for. */
function pinnedLookup(address: ResolvedAddress): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  }) as unknown as LookupFunction;
}

/** One request, no redirects followed; the body is read up to `maxBytes` and the connection dropped after. */
export function sendHop(request: HopRequest): Promise<HopResponse> {
  const transport = request.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      request.url,
      {
        method: request.method,
        headers: request.headers,
        lookup: pinnedLookup(request.address),
        signal: request.signal,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const finish = () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).subarray(0, request.maxBytes),
            truncated,
          });
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          chunks.push(chunk);
          if (size > request.maxBytes) {
            truncated = true;
            res.destroy();
            finish();
          }
        });
        res.on('end', finish);
        res.on('error', (error) => (truncated ? undefined : reject(error)));
      },
    );
    req.on('error', (error) => {
      if (request.signal.aborted) reject(request.signal.reason ?? error);
      else
        reject(new ToolError(`${request.method} ${request.url.origin}: ${error.message}`, ErrorType.HttpRequestFailed));
    });
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}
