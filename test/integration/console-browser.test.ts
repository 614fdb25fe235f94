import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startConsole, staticTokenAuth, type ConsoleServer } from '../../client/console';
import type { ScriptFn } from '../../testing/scripted-model';
import { REPO_ROOT } from '../helpers/cli';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';

const CHROMIUM = process.env.REINS_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const TOKEN = 'alice-console-token-0123';
// No slash in it: it is part of a workspace path.
const HOSTILE = '<script>window.__pwned = 1<img src=x onerror="window.__pwned = 2">';

/** Each run deletes one file named by its prompt (`write NAME`), then answers once its tool result is back. */
const script: ScriptFn = (request) => {
  const messages = request.messages as Array<{ role: string; content?: unknown }>;
  if (messages.some((message) => message.role === 'tool')) return { reply: { content: 'done' } };
  const prompt = String(messages.find((message) => message.role === 'user')?.content ?? '');
  const name = /write (\S+)/.exec(prompt)?.[1] ?? 'unnamed';
  const content = `${name} is stale ${HOSTILE}`;
  return { reply: { content, toolCalls: [{ name: 'delete_file', arguments: { path: `${name}${HOSTILE}.txt` } }] } };
};

const card = (runId: string) => `section.request[data-run="${runId}"]`;

async function flash(page: Page): Promise<string> {
  const shown = await page.waitForSelector('#flash div', { timeout: 30_000 }).catch(() => undefined);
  if (!shown) throw new Error(`no message on ${page.url()}:\n${(await page.content()).slice(0, 3000)}`);
  return page.innerText('#flash');
}

/** The pending page, reloaded until visibility lists every run in `runIds` (it trails the runs by a moment). */
async function pendingShows(page: Page, url: string, runIds: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await page.goto(url);
    const shown = await Promise.all(runIds.map((runId) => page.$(card(runId))));
    if (shown.every(Boolean)) return;
    await page.waitForTimeout(500);
  }
  throw new Error(`the pending page never showed all of ${runIds.join(', ')}:\n${await page.innerText('body')}`);
}

test('the console: sign in, see pending requests, approve, reject, edit, bulk approve, live updates; no session or CSRF, no write', async () => {
  await withReins({ script }, async ({ reins }) => {
    const consoleServer: ConsoleServer = await startConsole({
      client: reins,
      auth: staticTokenAuth([{ token: TOKEN, userId: 'alice', roles: ['ops'] }]),
      port: 0,
      pollIntervalMs: 300,
    });
    let browser: Browser | undefined;
    try {
      const base = consoleServer.url;

      // Without a session nothing is served, and a write without the session's CSRF token is refused.
      const noSession = await fetch(`${base}/`, { redirect: 'manual' });
      expect(noSession.status).toBe(303);
      expect(noSession.headers.get('location')).toBe('/signin');
      expect((await fetch(`${base}/events`)).status).toBe(401);
      expect((await fetch(`${base}/runs/x`, { redirect: 'manual' })).status).toBe(303);
      const anonymousWrite = await fetch(`${base}/decide`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'runId=a&requestId=b&decision=approve',
      });
      expect(anonymousWrite.status).toBe(401);
      const badSignIn = await fetch(`${base}/signin`, { method: 'POST', body: new URLSearchParams({ token: 'nope' }) });
      expect(badSignIn.status).toBe(401);
      const signIn = await fetch(`${base}/signin`, {
        method: 'POST',
        body: new URLSearchParams({ token: TOKEN }),
        redirect: 'manual',
      });
      expect(signIn.status).toBe(303);
      const setCookie = signIn.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      const cookie = setCookie.split(';')[0] ?? '';
      const noCsrf = await fetch(`${base}/decide`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'runId=a&requestId=b&decision=approve',
      });
      expect(noCsrf.status).toBe(403);
      const crossOrigin = await fetch(`${base}/signin`, {
        method: 'POST',
        headers: { origin: 'https://evil.example' },
        body: new URLSearchParams({ token: TOKEN }),
        redirect: 'manual',
      });
      expect(crossOrigin.status).toBe(403);
      // A notification's link survives signing in.
      const linked = await fetch(`${base}/runs/r1/approvals/1-1`, { redirect: 'manual' });
      expect(linked.headers.get('location')).toBe(`/signin?next=${encodeURIComponent('/runs/r1/approvals/1-1')}`);
      const back = await fetch(`${base}/signin`, {
        method: 'POST',
        body: new URLSearchParams({ token: TOKEN, next: '/runs/r1/approvals/1-1' }),
        redirect: 'manual',
      });
      expect(back.headers.get('location')).toBe('/runs/r1/approvals/1-1');
      const elsewhere = await fetch(`${base}/signin`, {
        method: 'POST',
        body: new URLSearchParams({ token: TOKEN, next: '//evil.example/x' }),
        redirect: 'manual',
      });
      expect(elsewhere.headers.get('location')).toBe('/');
      const tooBig = await fetch(`${base}/decide`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: `reason=${'x'.repeat(300 * 1024)}`,
      });
      expect(tooBig.status).toBe(413);
      const badFilter = await fetch(`${base}/runs?status=nonsense`, { headers: { cookie } });
      expect(badFilter.status).toBe(400);
      expect(await badFilter.text()).toMatch(/status/);

      // Seven runs alice may decide, and one only someone else may.
      const stamp = Date.now();
      const ids: string[] = ['approve', 'reject', 'edit', 'bulk1', 'bulk2', 'live', 'keep'].map(
        (name) => `console-${name}-${stamp}`,
      );
      const [approveId, rejectId, editId, bulk1Id, bulk2Id, liveId, keepId] = ids as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      const otherId = `console-other-${stamp}`;
      const mine = fileClerkSpec({ tools: [{ name: 'delete_file', approvers: { users: ['alice'], roles: [] } }] });
      const others = fileClerkSpec({ tools: [{ name: 'delete_file', approvers: { users: ['carol'], roles: [] } }] });
      await Promise.all([
        ...ids.map((runId) => reins.startRun({ spec: mine, prompt: `write ${runId}`, userId: 'uma' }, { runId })),
        reins.startRun({ spec: others, prompt: `write ${otherId}`, userId: 'uma' }, { runId: otherId }),
      ]);
      for (const runId of [...ids, otherId]) await waitForState(reins, runId, (s) => s.status === 'awaiting_approval');

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
      });
      const page = await browser.newPage({ viewport: { width: 1280, height: 2400 } });
      mkdirSync(ARTIFACTS, { recursive: true });

      await page.goto(`${base}/`);
      expect(page.url()).toBe(`${base}/signin`);
      await page.fill('input[name=token]', TOKEN);
      await Promise.all([page.waitForURL(`${base}/`), page.click('button')]);
      expect(await page.innerText('#who')).toBe('alice');
      await pendingShows(page, `${base}/`, ids);
      expect(await page.$(card(otherId))).toBeNull();
      expect(await page.innerText('.count')).toMatch(/more wait for other approvers/);
      // What the run sent is shown as text, never run as markup.
      const approveCard = card(approveId);
      expect(await page.innerText(`${approveCard} .args`)).toContain(HOSTILE.replace(/"/g, '\\"'));
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.innerText(`${approveCard} .agent`)).toBe('file-clerk');
      expect(await page.innerText(`${approveCard} .user`)).toBe('uma');
      expect(await page.innerText(`${approveCard} .rule`)).not.toBe('');
      // The model's reasoning before the call, as text too.
      expect(await page.innerText(`${approveCard} .reasoning`)).toMatch(/ is stale <script>window\.__pwned = 1<img/);
      expect(await page.innerText(`${approveCard} .cost`)).toMatch(/\$\d+\.\d{4}.* · \d+ tokens/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-pending.png'), fullPage: true });

      // Approve.
      await page.click(`${approveCard} button.approve`);
      expect(await flash(page)).toMatch(/delete_file approved/);
      await waitForState(reins, approveId, (s) => s.status === 'completed' && s.decisions[0]?.by === 'alice');

      // Reject with a reason.
      await page.fill(`${card(rejectId)} input[name=reason][required]`, 'not <today>');
      await page.click(`${card(rejectId)} button.reject`);
      expect(await flash(page)).toMatch(/delete_file rejected/);
      const rejected = await waitForState(reins, rejectId, (s) => s.decisions[0]);
      expect(rejected).toMatchObject({ decision: 'reject', by: 'alice', reason: 'not <today>' });

      // Edit: a schema error is shown and nothing is sent; then a good edit is.
      await page.click(`${card(editId)} summary`);
      await page.fill(`${card(editId)} textarea[name=editedArgs]`, '{"path": 5}');
      await page.click(`${card(editId)} button.edit`);
      expect(await flash(page)).toMatch(/not sent: editedArgs: .*path/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-edit-schema-error.png'), fullPage: true });
      expect((await reins.getState(editId)).pendingApprovals).toHaveLength(1);
      await page.click(`${card(editId)} summary`);
      await page.fill(`${card(editId)} textarea[name=editedArgs]`, '{"path": "edited.txt"}');
      await page.click(`${card(editId)} button.edit`);
      expect(await flash(page)).toMatch(/approved with edited arguments/);
      const edited = await waitForState(reins, editId, (s) => s.decisions[0]);
      expect(edited.editedArgs).toEqual({ path: 'edited.txt' });

      // Bulk approve two.
      await page.check(`${card(bulk1Id)} input[name=item]`);
      await page.check(`${card(bulk2Id)} input[name=item]`);
      await page.click('button.bulk-approve');
      expect(await flash(page)).toMatch(/approved 2 of 2/);
      for (const runId of [bulk1Id, bulk2Id]) {
        await waitForState(
          reins,
          runId,
          (s) => s.decisions[0]?.decision === 'approve' && s.decisions[0].by === 'alice',
        );
      }

      // A decision made elsewhere shows up on the open page without a reload.
      expect(await page.$(card(liveId))).not.toBeNull();
      await page.evaluate(() => ((globalThis as unknown as { __stayed?: boolean }).__stayed = true));
      // What someone is typing in another card survives the refresh.
      await page.fill(`${card(keepId)} input[name=reason][required]`, 'half-typed reason');
      await reins.decide(liveId, {
        requestId: (await reins.getState(liveId)).pendingApprovals[0]!.requestId,
        decision: 'approve',
        by: 'alice',
        reason: 'from the CLI',
      });
      await page.waitForSelector(card(liveId), { state: 'detached', timeout: 30_000 });
      expect(await page.evaluate(() => (globalThis as unknown as { __stayed?: boolean }).__stayed)).toBe(true);
      expect(await page.inputValue(`${card(keepId)} input[name=reason][required]`)).toBe('half-typed reason');
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-after-live-update.png'), fullPage: true });

      // A run's page: its timeline with the model call, the decision (who, why) and the tool call's class and outcome.
      await page.goto(`${base}/runs/${rejectId}`);
      const timeline = await page.innerText('table.timeline');
      expect(timeline).toMatch(/model call/);
      expect(timeline).toMatch(/rejected\s+delete_file by alice \(update\): not <today>/);
      expect(timeline).toMatch(/delete_file \(destructive\): rejected/);
      // ...and its transcript, the run's own text shown as text.
      const transcript = await page.innerText('ol.transcript');
      expect(transcript).toMatch(/user\s+write \S+/);
      expect(transcript).toContain('calls delete_file');
      expect(transcript).toContain('<script>window.__pwned = 1');
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      await page.goto(`${base}/runs/${approveId}/approvals/1-1`);
      expect(await page.innerText('table.timeline')).toMatch(/delete_file \(destructive\): (succeeded|failed)/);
      expect(await page.innerText('.status')).toBe('completed');
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-run-timeline.png'), fullPage: true });

      // Runs filtered by status and user (visibility trails the runs: retried until it catches up).
      const deadline = Date.now() + 30_000;
      let listed = '';
      while (Date.now() < deadline) {
        await page.goto(`${base}/runs?user=uma&status=completed`);
        listed = await page.innerText('table.runs');
        if (listed.includes(approveId)) break;
        await page.waitForTimeout(500);
      }
      expect(listed).toContain(approveId);
      expect(listed).not.toContain(otherId);
    } finally {
      await browser?.close();
      await consoleServer.close();
    }
  });
}, 240_000);
