import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ResolvedServer } from './credentials';

/** The last few kilobytes a stdio server wrote to stderr, for error messages when it fails. */
export class StderrTail {
  private text = '';

  constructor(private readonly maxChars = 2_000) {}

  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.maxChars);
  }

  get value(): string {
    return this.text.trim();
  }
}

export interface OpenedTransport {
  transport: Transport;
  stderr?: StderrTail;
  /** The server process, for stdio servers once started. */
  pid?: () => number | null;
}

/**
 * The SDK transport for a server. A stdio server gets only the SDK's minimal environment (PATH, HOME...) plus what
 * its spec sets: the worker's own environment, and every secret in it, stays out of the server's reach.
 */
export function openTransport(server: ResolvedServer): OpenedTransport {
  const spec = server.spec;
  if (spec.transport === 'stdio') {
    const transport = new StdioClientTransport({
      command: spec.command,
      args: spec.args,
      env: { ...getDefaultEnvironment(), ...server.values },
      ...(spec.cwd ? { cwd: spec.cwd } : {}),
      // Piped, not inherited: the worker's log stays readable and the tail explains a server that dies.
      stderr: 'pipe',
    });
    const stderr = new StderrTail();
    // Reading it also keeps a chatty server from blocking on a full pipe.
    transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    return { transport, stderr, pid: () => transport.pid };
  }
  const transport = new StreamableHTTPClientTransport(new URL(spec.url), {
    requestInit: { headers: server.values },
  });
  return { transport };
}
