import path from 'node:path';
import { isServerReachable, startDevServer } from './dev-server';
import { REPO_ROOT } from './temporal-cli';

const log = (line: string) => console.log(line);

function envPort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535)
    throw new Error(`${name} must be a port number, got "${raw}"`);
  return port;
}

async function main(): Promise<void> {
  const ip = '127.0.0.1';
  const port = envPort('TEMPORAL_PORT', 7233);
  const uiPort = envPort('TEMPORAL_UI_PORT', 8233);
  const address = `${ip}:${port}`;

  if (await isServerReachable(address)) {
    log(`A Temporal server is already answering on ${address}; nothing to start.`);
    return;
  }

  const dbFilename = path.join(REPO_ROOT, '.temporal', 'dev.sqlite');
  log(`Starting Temporal dev server (data: ${path.relative(process.cwd(), dbFilename) || dbFilename})...`);
  const server = await startDevServer({ ip, port, ui: true, uiPort, dbFilename, log });
  log(`Temporal gRPC: ${server.address}`);
  log(`Temporal Web UI: ${server.uiUrl ?? '(disabled)'}`);
  log('Press Ctrl-C to stop.');

  await new Promise<void>((resolve) => {
    // Signal listeners and the SDK runtime do not hold the event loop open; this timer does.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const onSignal = (signal: NodeJS.Signals) => {
      log(`\nReceived ${signal}, stopping the dev server...`);
      clearInterval(keepAlive);
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  await server.stop();
  log('Stopped.');
}

main().then(
  // The SDK runtime keeps handles open after teardown; exit explicitly once everything is shut down.
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
