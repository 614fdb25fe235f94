import path from 'node:path';
import { isServerReachable, startDevServer } from '../dev-server';
import { REPO_ROOT } from '../temporal-cli';

export interface DemoTemporal {
  /** host:port the worker and client connect to. */
  address: string;
  /** Base URL of the Web UI for links. */
  uiUrl: string;
  /** True when the demo started the server and so stops it on exit. */
  started: boolean;
  stop(): Promise<void>;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '0.0.0.0', '::1', '[::1]']);

function parseAddress(address: string): { host: string; port: number } {
  const cut = address.lastIndexOf(':');
  const port = Number(address.slice(cut + 1));
  if (cut <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new Error(`TEMPORAL_ADDRESS must be host:port, got "${address}"`);
  }
  return { host: address.slice(0, cut), port };
}

function uiPortFor(port: number, env: NodeJS.ProcessEnv): number {
  const raw = env.TEMPORAL_UI_PORT;
  if (raw) {
    const uiPort = Number(raw);
    if (!Number.isInteger(uiPort) || uiPort <= 0 || uiPort > 65_535) {
      throw new Error(`TEMPORAL_UI_PORT must be a port number, got "${raw}"`);
    }
    return uiPort;
  }
  // The standard pair is 7233/8233; another gRPC port keeps the SDK's +1000 rule so two servers never clash.
  return port === 7233 ? 8233 : port + 1000;
}

/**
 * Uses the Temporal server at `address` if one answers; otherwise starts a local dev server there, persistent in
 * .temporal/, with the Web UI. A server on another port gets its own database file: two servers never share one.
 */
export async function ensureTemporal(
  address: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<DemoTemporal> {
  if (await isServerReachable(address)) {
    log(`Using the Temporal server at ${address}.`);
    return { address, uiUrl: env.REINS_UI_URL || 'http://localhost:8233', started: false, stop: async () => {} };
  }
  const { host, port } = parseAddress(address);
  if (!LOCAL_HOSTS.has(host)) {
    throw new Error(`no Temporal server answers at ${address}, and the demo only starts one on this machine`);
  }
  const uiPort = uiPortFor(port, env);
  const dbFilename = path.join(REPO_ROOT, '.temporal', port === 7233 ? 'dev.sqlite' : `dev-${port}.sqlite`);
  log(`No Temporal server at ${address}; starting a dev server (data: ${path.relative(process.cwd(), dbFilename)})...`);
  const server = await startDevServer({ ip: '127.0.0.1', port, ui: true, uiPort, dbFilename, log });
  const uiUrl = env.REINS_UI_URL || `http://localhost:${uiPort}`;
  log(`Temporal dev server on ${server.address}, Web UI on ${uiUrl}`);
  return { address: server.address, uiUrl, started: true, stop: () => server.stop() };
}
