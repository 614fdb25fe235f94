import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ReinsClient } from '../../client';
import { startDevServer, type DevServer } from '../../scripts/dev-server';
import { startScriptedModel } from '../../testing/scripted-model';
import { createReinsWorker } from '../../worker/create-worker';
import { REPO_ROOT } from '../helpers/cli';
import { fileClerkSpec, tempDataDir, testWorkerConfig, waitForState } from '../helpers/harness';
import { uniqueTaskQueue, workflowBundle } from '../helpers/temporal';
import { freePort } from '../../scripts/free-port';
import { findOrInstallTemporalCli } from '../../scripts/temporal-cli';

const CHROMIUM = process.env.REINS_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

/** Waits until some frame of the page shows the text: the UI renders markdown metadata in frames of its own. */
async function waitForText(page: Page, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  while (Date.now() < deadline) {
    const texts = await Promise.all(page.frames().map((frame) => frame.innerText('body').catch(() => '')));
    seen = texts.join('\n');
    if (pattern.test(seen)) return;
    await page.waitForTimeout(500);
  }
  throw new Error(`the page never showed ${pattern}; it showed:\n${seen.slice(0, 4000)}`);
}

const PADDED_PATH = `${'./'.repeat(60)}**kept**/../notes.txt`;

const script = [
  { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'notes.txt', content: 'hello' } }] } },
  // A padded path that still names notes.txt, with markdown in it: the details must show it verbatim, not render it.
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: PADDED_PATH } }] } },
  { reply: { content: 'wrote and removed notes.txt' } },
];

test('the Temporal UI shows a run: summary, search attributes, current details while it waits, activity summaries in its history', async () => {
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
    mkdirSync(ARTIFACTS, { recursive: true });

    await worker.runUntil(async () => {
      const { executionId } = await reins.startRun(
        { spec: fileClerkSpec(), prompt: 'write notes', userId: 'uma' },
        { runId },
      );
      await waitForState(reins, runId, (s) => s.status === 'awaiting_approval');
      const runUrl = `${server.uiUrl}/namespaces/default/workflows/${runId}/${executionId}`;

      // While the run waits (and a worker answers), its current details say what it waits for and how to decide.
      // Search attributes first: what lists and filters of runs see.
      await page.goto(`${runUrl}/metadata`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await waitForText(page, /"ReinsStatus": "awaiting_approval"/);
      await waitForText(page, /"ReinsPendingApprovals": 1/);
      await waitForText(page, /"ReinsAgent": "file-clerk"/);
      await page.getByText('User Metadata', { exact: true }).first().click();
      await waitForText(page, /file-clerk for uma: write notes/);
      // The UI's markdown renderer typesets `2/10` with a fraction slash.
      await waitForText(page, /awaiting_approval · step 2[/\u2044]10/);
      await waitForText(page, /Waiting for approval[\s\S]*delete_file/);
      // The whole argument, asterisks and all, in a code block.
      await waitForText(page, new RegExp(`"path": "${PADDED_PATH.replace(/[.*]/g, '\\$&')}"`));
      await page.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui-run-waiting.png'), fullPage: true });

      // The approver copies the Temporal CLI command as the page shows it, puts in their name, and runs it.
      await waitForText(page, /temporal workflow update execute/);
      const shown = (await Promise.all(page.frames().map((f) => f.innerText('body').catch(() => '')))).join('\n');
      const command = /temporal workflow update execute --workflow-id \S+ --name decide --input '[^'\n]+'/.exec(
        shown,
      )?.[0];
      expect(command).toBe(
        `temporal workflow update execute --workflow-id ${runId} --name decide --input ` +
          `'{"requestId":"2-1","decision":"approve","by":"<you>"}'`,
      );
      const cli = await findOrInstallTemporalCli();
      if (cli.kind !== 'path') throw new Error('the Temporal CLI is not installed');
      const pasted = command!.replace('<you>', 'olga').replace(/^temporal /, `${cli.path} `);
      // Not execFileSync: the worker runs in this process, and the update waits for it to take the task.
      await promisify(execFile)('bash', ['-c', pasted], { env: { ...process.env, TEMPORAL_ADDRESS: server.address } });
      expect((await reins.result(runId)).answer).toBe('wrote and removed notes.txt');

      // The event history names each model and tool call (anchored, so the input JSON on the page cannot match).
      await page.goto(`${runUrl}/history`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await page
        .getByText(/^model scripted-1\b/)
        .first()
        .waitFor({ timeout: 60_000 });
      await page
        .getByText(/^tool write_file · write/)
        .first()
        .waitFor({ timeout: 60_000 });
      await page
        .getByText(/^tool delete_file · destructive · approved by olga/)
        .first()
        .waitFor({ timeout: 60_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui-run-history.png'), fullPage: true });
    });
  } finally {
    await browser?.close();
    await native.close();
    await connection.close();
    await model.close();
    await server.stop();
  }
}, 240_000);
