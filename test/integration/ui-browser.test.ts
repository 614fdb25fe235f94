import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { chromium, type Browser } from 'playwright-core';
import { ReinsClient } from '../../client';
import { startDevServer, type DevServer } from '../../scripts/dev-server';
import { startScriptedModel } from '../../scripts/scripted-model';
import { createReinsWorker } from '../../worker/create-worker';
import { REPO_ROOT } from '../helpers/cli';
import { fileClerkSpec, tempDataDir, testWorkerConfig } from '../helpers/harness';
import { uniqueTaskQueue, workflowBundle } from '../helpers/temporal';

const CHROMIUM = process.env.REINS_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const script = [
  { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'notes.txt', content: 'hello' } }] } },
  { reply: { content: 'wrote notes.txt' } },
];

test('the Temporal UI shows a run with the model and tool activity summaries in its event history', async () => {
  // The shared test server runs headless; this one serves the Web UI.
  const server: DevServer = await startDevServer({ ui: true, uiPort: await freePort() });
  const model = await startScriptedModel({ script });
  let browser: Browser | undefined;
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  try {
    const taskQueue = uniqueTaskQueue('reins-ui');
    const config = { ...testWorkerConfig(taskQueue, model.url, tempDataDir()), temporalAddress: server.address };
    const worker = await createReinsWorker({ config, connection: native, workflowBundle: workflowBundle() });
    const reins = new ReinsClient(new Client({ connection, namespace: 'default' }), { taskQueue });
    const runId = `ui-${Date.now()}`;
    const { executionId } = await worker.runUntil(async () => {
      const started = await reins.startRun({ spec: fileClerkSpec(), prompt: 'write notes', userId: 'uma' }, { runId });
      expect((await reins.result(runId)).answer).toBe('wrote notes.txt');
      return started;
    });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 3000 } });
    const historyUrl = `${server.uiUrl}/namespaces/default/workflows/${runId}/${executionId}/history`;
    await page.goto(historyUrl, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    // The UI renders the history client-side; wait for the activity summaries the run loop wrote (anchored, so the
    // input JSON on the same page cannot match).
    const modelSummary = page.getByText(/^model scripted-1\b/).first();
    await modelSummary.waitFor({ timeout: 60_000 });
    await page
      .getByText(/^tool write_file · write/)
      .first()
      .waitFor({ timeout: 60_000 });
    await modelSummary.scrollIntoViewIfNeeded();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui-run-history.png'), fullPage: true });
  } finally {
    await browser?.close();
    await native.close();
    await connection.close();
    await model.close();
    await server.stop();
  }
}, 240_000);
