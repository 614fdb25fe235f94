import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { EphemeralServerExecutable } from '@temporalio/testing';
import { REINS_SEARCH_ATTRIBUTE_KEYS } from '../common/search-attributes';
import { findOrInstallTemporalCli, REPO_ROOT } from './temporal-cli';

export interface DevServerOptions {
  /** Defaults to 127.0.0.1. */
  ip?: string;
  /** Defaults to a free port. */
  port?: number;
  uiPort?: number;
  ui?: boolean;
  /** Persistent SQLite file; omit for an in-memory server. */
  dbFilename?: string;
  namespace?: string;
  log?: (line: string) => void;
  /**
   * Where the UI sends encrypted payloads to be decoded (`reins codec-server`). Defaults to REINS_UI_CODEC_ENDPOINT,
   * or http://127.0.0.1:8888 when encryption keys are configured, so the UI shows runs instead of ciphertext.
   */
  uiCodecEndpoint?: string;
}

export interface DevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);

  const cli = await findOrInstallTemporalCli({ log });
  let executable: EphemeralServerExecutable;
  if (cli.kind === 'path') {
    executable = { type: 'existing-path', path: cli.path };
  } else {
    const downloadDir = path.join(REPO_ROOT, '.temporal', 'download');
    await fs.mkdir(downloadDir, { recursive: true });
    executable = { type: 'cached-download', downloadDir };
  }

  if (opts.dbFilename) await fs.mkdir(path.dirname(path.resolve(opts.dbFilename)), { recursive: true });

  const ui = opts.ui ?? opts.uiPort !== undefined;
  const codecEndpoint = ui ? (opts.uiCodecEndpoint ?? defaultCodecEndpoint(process.env)) : undefined;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      ip,
      port: opts.port,
      ui,
      uiPort: opts.uiPort,
      dbFilename: opts.dbFilename,
      namespace: opts.namespace,
      searchAttributes: [...REINS_SEARCH_ATTRIBUTE_KEYS],
      log: { format: 'pretty', level: 'warn' },
      ...(codecEndpoint ? { extraArgs: ['--ui-codec-endpoint', codecEndpoint] } : {}),
    },
  });

  const port = opts.port ?? portOf(env.address);
  const address = `${ip}:${port}`;
  // Mirrors the SDK's default: the UI listens 1000 above the gRPC port unless told otherwise.
  const uiUrl = ui ? `http://${ip}:${opts.uiPort ?? port + 1000}` : undefined;

  let stopped: Promise<void> | undefined;
  return {
    address,
    uiUrl,
    stop() {
      stopped ??= env.teardown();
      return stopped;
    },
  };
}

export async function isServerReachable(address: string, timeoutMs = 2000): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

function portOf(address: string): number {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`Unexpected dev server address "${address}"`);
  return port;
}

function defaultCodecEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (env.REINS_UI_CODEC_ENDPOINT) return env.REINS_UI_CODEC_ENDPOINT;
  return env.REINS_ENCRYPTION_KEYS || env.REINS_ENCRYPTION_KEYS_FILE ? 'http://127.0.0.1:8888' : undefined;
}
