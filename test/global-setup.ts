import { promises as fs } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { isServerReachable, startDevServer, type DevServer } from '../scripts/dev-server';
import { resolveTestPostgres, type PostgresServer } from '../scripts/private-postgres';
import { BUBBLEWRAP, CHROMIUM, ensureSystemDependencies, NGINX } from '../scripts/system-deps';
import { REPO_ROOT } from '../scripts/temporal-cli';
import { ensureTestPythonPackages } from '../scripts/python-packages';
import { REINS_BUNDLE_OPTIONS } from '../worker/bundle-options';

/** Where the teardown finds the server this setup started (jest runs both in the same process). */
export const TEST_SERVER_GLOBAL = '__reinsTestTemporalServer';
const TEST_POSTGRES_GLOBAL = '__reinsTestPostgres';

export const TEST_BUNDLE_PATH = path.join(REPO_ROOT, '.temporal', 'test', 'workflow-bundle.js');

const log = (line: string) => console.log(`[reins test setup] ${line}`);

export default async function globalSetup(): Promise<void> {
  // Jest prints setup output right after its own progress text; start on a fresh line.
  console.log('');
  // The sandbox tests need bubblewrap, the browser tests Chromium and the TLS tests nginx (a TLS proxy in front of the
  // dev server): installed here when this process may (root or passwordless sudo), otherwise the run stops at once
  // naming what is missing and the command that installs it.
  await ensureSystemDependencies([BUBBLEWRAP, CHROMIUM, NGINX], log);
  const [server, bundled, postgres, python] = await Promise.allSettled([
    resolveServerAddress(),
    buildWorkflowBundle(),
    resolvePostgres(),
    // aiosmtpd, the SMTP server the notification tests send mail to.
    ensureTestPythonPackages(log),
  ]);
  // Only the email notification tests need aiosmtpd: without it they fail naming why, and the rest still run.
  if (python.status === 'rejected') log(`aiosmtpd is unavailable: ${String(python.reason)}`);
  const failed = [server, bundled, postgres].find((outcome) => outcome.status === 'rejected');
  if (failed || server.status !== 'fulfilled' || postgres.status !== 'fulfilled') {
    // Jest skips the teardown when setup throws, so a server started here would outlive the run.
    await stopTestServer();
    throw (failed as PromiseRejectedResult | undefined)?.reason ?? new Error('test setup failed');
  }
  process.env.TEMPORAL_ADDRESS = server.value;
  process.env.REINS_TEST_TEMPORAL_ADDRESS = server.value;
  process.env.REINS_TEST_PG_URL = postgres.value.url;
  if (python.status === 'fulfilled') process.env.REINS_TEST_PYTHONPATH = python.value;
}

/** The sql tool's tests (and anything else needing a database) get REINS_TEST_PG_URL from here. */
async function resolvePostgres(): Promise<PostgresServer> {
  const server = await resolveTestPostgres(log);
  (globalThis as Record<string, unknown>)[TEST_POSTGRES_GLOBAL] = server;
  return server;
}

export async function stopTestServer(): Promise<void> {
  const holder = globalThis as Record<string, unknown>;
  const postgres = holder[TEST_POSTGRES_GLOBAL] as PostgresServer | undefined;
  delete holder[TEST_POSTGRES_GLOBAL];
  await postgres?.stop();
  const server = holder[TEST_SERVER_GLOBAL] as DevServer | undefined;
  if (!server) return;
  delete holder[TEST_SERVER_GLOBAL];
  await server.stop();
}

async function resolveServerAddress(): Promise<string> {
  const given = process.env.TEMPORAL_ADDRESS;
  if (given) {
    if (await isServerReachable(given)) {
      log(`using the Temporal server at ${given}`);
      return given;
    }
    log(`TEMPORAL_ADDRESS=${given} does not answer; starting a private dev server instead`);
  }
  const started = Date.now();
  const server: DevServer = await startDevServer({ ui: false, log });
  (globalThis as Record<string, unknown>)[TEST_SERVER_GLOBAL] = server;
  log(`in-memory Temporal dev server on ${server.address} (${Date.now() - started} ms)`);
  return server.address;
}

async function buildWorkflowBundle(): Promise<void> {
  const workflowsPath = process.env.REINS_WORKFLOWS_PATH ?? path.join(REPO_ROOT, 'workflows', 'index.ts');
  let resolved: string;
  try {
    resolved = require.resolve(workflowsPath);
  } catch {
    // Suites that do not run workflows still work; workflowBundle() explains the missing file if asked.
    log(`no workflow entry point at ${workflowsPath}; skipping the workflow bundle`);
    delete process.env.REINS_TEST_WORKFLOW_BUNDLE;
    return;
  }
  const started = Date.now();
  const bundle = await bundleWorkflowCode({
    workflowsPath: resolved,
    logger: new DefaultLogger('WARN'),
    ...REINS_BUNDLE_OPTIONS,
  });
  await fs.mkdir(path.dirname(TEST_BUNDLE_PATH), { recursive: true });
  await fs.writeFile(TEST_BUNDLE_PATH, bundle.code);
  process.env.REINS_TEST_WORKFLOW_BUNDLE = TEST_BUNDLE_PATH;
  log(`bundled ${path.relative(REPO_ROOT, resolved)} in ${Date.now() - started} ms`);
}
