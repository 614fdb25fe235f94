import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { EphemeralServerExecutable } from '@temporalio/testing';
import { REINS_SEARCH_ATTRIBUTE_KEYS } from '../common/search-attributes';
import { findOrInstallTemporalCli, REPO_ROOT } from './temporal-cli';
import { freePort } from './free-port';

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
  if (opts.dbFilename) await fs.mkdir(path.dirname(path.resolve(opts.dbFilename)), { recursive: true });
  const ui = opts.ui ?? opts.uiPort !== undefined;
  const codecEndpoint = ui ? (opts.uiCodecEndpoint ?? defaultCodecEndpoint(process.env)) : undefined;
  if (ui) log(uiPayloadsText(codecEndpoint));
  if (cli.kind !== 'path') return startWithSdk({ ...opts, ip, ui, codecEndpoint });

  const port = opts.port ?? (await freePort(ip));
  const uiPort = opts.uiPort ?? port + 1000;
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    opts.namespace ?? 'default',
    '--log-level',
    'warn',
    ...(ui ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...(opts.dbFilename ? ['--db-filename', opts.dbFilename] : []),
    ...REINS_SEARCH_ATTRIBUTE_KEYS.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]),
    ...(codecEndpoint ? ['--ui-codec-endpoint', codecEndpoint] : []),
  ];
  // The server's banner and logs are kept, not printed: they would interleave with the output of whoever started it
  // (a test run, the demo's conversation). They are shown when the server fails to start.
  const child = spawn(cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `${ip}:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await exited;
  };
  const deadline = Date.now() + 60_000;
  while (!(await isServerReachable(address, 1_000))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the Temporal dev server did not start at ${address}:\n${output.trim()}`);
    }
    await sleep(200);
  }
  let stopped: Promise<void> | undefined;
  return {
    address,
    uiUrl: ui ? `http://${ip}:${uiPort}` : undefined,
    stop: () => (stopped ??= stop()),
  };
}

/** Without a CLI binary of our own, the SDK downloads one and runs it (printing its banner). */
async function startWithSdk(
  opts: DevServerOptions & { ip: string; ui: boolean; codecEndpoint: string | undefined },
): Promise<DevServer> {
  const downloadDir = path.join(REPO_ROOT, '.temporal', 'download');
  await fs.mkdir(downloadDir, { recursive: true });
  const executable: EphemeralServerExecutable = { type: 'cached-download', downloadDir };
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      ip: opts.ip,
      port: opts.port,
      ui: opts.ui,
      uiPort: opts.uiPort,
      dbFilename: opts.dbFilename,
      namespace: opts.namespace,
      searchAttributes: [...REINS_SEARCH_ATTRIBUTE_KEYS],
      log: { format: 'pretty', level: 'warn' },
      ...(opts.codecEndpoint ? { extraArgs: ['--ui-codec-endpoint', opts.codecEndpoint] } : {}),
    },
  });
  const port = opts.port ?? portOf(env.address);
  let stopped: Promise<void> | undefined;
  return {
    address: `${opts.ip}:${port}`,
    // Mirrors the SDK's default: the UI listens 1000 above the gRPC port unless told otherwise.
    uiUrl: opts.ui ? `http://${opts.ip}:${opts.uiPort ?? port + 1000}` : undefined,
    stop: () => (stopped ??= env.teardown()),
  };
}

/** The SDK's search attribute types as the Temporal CLI spells them. */
export const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

/**
 * Which way the dev UI shows payloads, said at start: the launcher starts no codec server, and one started without
 * `--token` or `--insecure-no-auth` refuses to run, so a user who only sees ciphertext learns why and what to run.
 */
export function uiPayloadsText(codecEndpoint: string | undefined): string {
  if (codecEndpoint === undefined) {
    return 'Web UI payloads: shown as stored, no codec server (no REINS_ENCRYPTION_KEYS, REINS_ENCRYPTION_KEYS_FILE or REINS_UI_CODEC_ENDPOINT).';
  }
  return (
    `Web UI payloads: decoded by the codec server at ${codecEndpoint}, which is not started here. Run it with the ` +
    'same keys: `npx reins codec-server --insecure-no-auth` (anyone on this machine may decode; this UI has no ' +
    "login) or `npx reins codec-server --token <secret>` with the token in the UI's codec settings."
  );
}
