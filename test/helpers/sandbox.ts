import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkspaceStore } from '../../activities/sandbox/workspace-store';
import { DEFAULT_SANDBOX_USER } from '../../activities/sandbox/settings';
import type { ToolContext, ToolImplementation } from '../../common/tools/define-tool';

/** A data dir and a run workspace prepared exactly as the tool activity prepares them. */
export async function sandboxWorkspace(runId = 'run-1'): Promise<{ dataDir: string; workspace: string }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reins-sandbox-'));
  const sandboxUser = process.getuid?.() === 0 ? DEFAULT_SANDBOX_USER : undefined;
  const store = new WorkspaceStore(dataDir, { sandboxUser });
  return { dataDir, workspace: await store.open(runId, { workspace: 'run' }) };
}

export function toolContext(workspace: string, extra: Partial<ToolContext> = {}): ToolContext {
  return {
    runId: 'run-1',
    callId: '1-1',
    userId: 'u',
    idempotencyKey: 'run-1/1-1',
    attempt: 1,
    earlierAttemptStarted: false,
    workspace,
    config: undefined,
    signal: new AbortController().signal,
    heartbeat: () => undefined,
    ...extra,
  };
}

export async function runTool(tool: ToolImplementation, args: unknown, context: ToolContext): Promise<string> {
  return textResult(await tool.execute(tool.schema.parse(args), context));
}

/** The built-in tools answer in text; anything else from them is a bug the test should see. */
export function textResult(result: unknown): string {
  if (typeof result !== 'string') throw new Error(`expected a text result, got ${JSON.stringify(result)}`);
  return result;
}

/** A number no other test or process uses, to find this test's processes with pgrep. */
export function uniqueMarker(): string {
  return `299.${randomInt(100_000, 999_999)}`;
}

/** Command lines of live processes whose command line contains `marker` (zombies excluded). */
export function processesMatching(marker: string): string[] {
  const out = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(marker) && !line.trim().startsWith('Z') && !line.includes('ps -eo'));
}

/** Polls until no live process mentions `marker`; a killed tree can take a moment to be reaped. */
export async function waitForNoProcesses(marker: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left = processesMatching(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = processesMatching(marker);
  }
  if (left.length > 0) throw new Error(`processes left behind:\n${left.join('\n')}`);
}

export async function waitForProcesses(marker: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (processesMatching(marker).length === 0) {
    if (Date.now() > deadline) throw new Error(`no process with ${marker} appeared in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
