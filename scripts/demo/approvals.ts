import readline from 'node:readline/promises';
import { DecisionRefusedError, type ReinsClient } from '../../client';
import type { ApprovalRequest, RunResult } from '../../common/run-state';

export interface ApprovalPrompter {
  /** Approve everything without asking (--yes). */
  yes: boolean;
  /** stdin is a terminal a person can answer on. */
  interactive: boolean;
  /** Recorded as `by` on decisions taken here. */
  decider: string;
  /** How to run the CLI against this server, for the hint printed when nobody can be asked. */
  cli: string;
  log: (line: string) => void;
  /** Aborted on Ctrl-C so an open question does not hold the process. */
  signal: AbortSignal;
}

const POLL_MS = 500;

function describe(request: ApprovalRequest): string {
  return `${request.tool} ${JSON.stringify(request.args)} (${request.toolClass}; request ${request.requestId})`;
}

async function ask(
  request: ApprovalRequest,
  prompter: ApprovalPrompter,
): Promise<{ approve: boolean; reason?: string }> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  // In raw mode Ctrl-C reaches readline, not the process: pass it on so the demo stops the same way everywhere.
  rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
  try {
    const answer = await rl.question(`Approve ${describe(request)}? [y/n] `, { signal: prompter.signal });
    if (/^y(es)?$/i.test(answer.trim())) return { approve: true };
    const reason = await rl.question('Reason for rejecting (the agent reads it): ', { signal: prompter.signal });
    return { approve: false, reason: reason.trim() || 'rejected at the terminal' };
  } finally {
    rl.close();
  }
}

async function handle(reins: ReinsClient, runId: string, request: ApprovalRequest, p: ApprovalPrompter): Promise<void> {
  p.log(`\nThe agent wants to run ${describe(request)} and is waiting for approval.`);
  if (!p.yes && !p.interactive) {
    p.log(
      [
        'stdin is not a terminal, so nobody can be asked here. Decide from another terminal:',
        `  ${p.cli} approve ${runId} ${request.requestId} --by <you>`,
        `  ${p.cli} reject ${runId} ${request.requestId} --by <you> --reason "<why>"`,
        '(or run `npm start -- --yes` to approve automatically). Waiting...',
      ].join('\n'),
    );
    return;
  }
  const choice = p.yes ? { approve: true, reason: 'approved with --yes' } : await ask(request, p);
  try {
    await reins.decide(runId, {
      requestId: request.requestId,
      decision: choice.approve ? 'approve' : 'reject',
      by: p.decider,
      ...(choice.reason ? { reason: choice.reason } : {}),
    });
    if (p.yes) p.log(`Approved automatically (--yes) as ${p.decider}.`);
    else p.log(choice.approve ? `Approved by ${p.decider}.` : `Rejected by ${p.decider}: ${choice.reason ?? ''}`);
  } catch (error) {
    if (!(error instanceof DecisionRefusedError)) throw error;
    // Someone may have decided from the CLI while the question was open.
    p.log(`The run did not take this decision: ${error.message}`);
  }
}

/** Follows the run to its end, putting each approval request to the person at the terminal (or --yes). */
export async function superviseRun(reins: ReinsClient, runId: string, prompter: ApprovalPrompter): Promise<RunResult> {
  const result = reins.result(runId);
  let finished = false;
  const ended = result.then(
    () => (finished = true),
    () => (finished = true),
  );
  const seen = new Set<string>();
  while (!finished) {
    const state = await reins.getState(runId, { timeoutMs: 5_000 }).catch(() => undefined);
    for (const request of state?.pendingApprovals ?? []) {
      if (seen.has(request.requestId) || finished) continue;
      seen.add(request.requestId);
      await handle(reins, runId, request, prompter);
    }
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, POLL_MS))]);
  }
  return result;
}
