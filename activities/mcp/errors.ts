import { ApplicationFailure } from '@temporalio/activity';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ErrorType } from '../../common/errors';

/**
 * What went wrong, by how safe a repeat is:
 * - `unsent`: the request never reached the server (no connection, refused, unknown session): repeat freely.
 * - `connection`: the connection broke after the request may have been delivered: the call may have run.
 * - `timeout`, `protocol`, `auth`: the server is there; reconnecting does not help.
 */
export type FailureKind = 'unsent' | 'connection' | 'timeout' | 'protocol' | 'auth';

const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT']);

function errnoCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const nested = (current as { errors?: unknown }).errors;
    if (Array.isArray(nested)) codes.push(...nested.flatMap(errnoCodes));
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof McpError) {
    if (error.code === ErrorCode.ConnectionClosed) return 'connection';
    if (error.code === ErrorCode.RequestTimeout) return 'timeout';
    return 'protocol';
  }
  if (error instanceof UnauthorizedError) return 'auth';
  if (error instanceof StreamableHTTPError) {
    if (error.code === 401 || error.code === 403) return 'auth';
    // The server does not know the session (it restarted or expired it): it did not run the request.
    if (error.code === 404) return 'unsent';
    if (error.code !== undefined && error.code >= 400 && error.code < 500 && error.code !== 408 && error.code !== 429) {
      return 'protocol';
    }
    return 'connection';
  }
  // The SDK's own check before writing to a transport that already closed.
  if (error instanceof Error && error.message === 'Not connected') return 'unsent';
  if (errnoCodes(error).some((code) => UNSENT_CODES.has(code))) return 'unsent';
  // Zod errors: the server's message does not have the shape MCP requires.
  if (error instanceof Error && error.name === 'ZodError') return 'protocol';
  return 'connection';
}

export interface FailureContext {
  server: string;
  /** `tools/list`, or `tools/call "name"`. */
  operation: string;
  scrub: (text: string) => string;
  /** The tail of a stdio server's stderr, when it has one: often the only hint why it died. */
  stderr?: string;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The ApplicationFailure an MCP activity fails with; the message names the server and the operation. */
export function toFailure(error: unknown, context: FailureContext): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const kind = classifyFailure(error);
  const what = `MCP server "${context.server}", ${context.operation}`;
  // A server that relays an SDK error sends it already prefixed; the client prefixes it again.
  const detail = context.scrub(messageOf(error)).replace(/^(MCP error -?\d+: )\1+/, '$1');
  const stderr = context.stderr ? ` (server stderr: ${context.scrub(context.stderr)})` : '';
  switch (kind) {
    case 'protocol':
      return ApplicationFailure.nonRetryable(`${what}: ${detail}`, ErrorType.McpProtocolError);
    case 'auth':
      return ApplicationFailure.nonRetryable(`${what}: credentials refused: ${detail}`, ErrorType.McpAuthFailed);
    case 'timeout':
      return ApplicationFailure.retryable(`${what}: no answer in time: ${detail}`, ErrorType.McpTimeout);
    default:
      return ApplicationFailure.retryable(
        `${what}: connection failed: ${detail}${stderr}`,
        ErrorType.McpTransportError,
      );
  }
}
