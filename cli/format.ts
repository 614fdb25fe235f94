import { argsJson, clipText, pathLine, shellQuote, showRequestCommand, visible } from '../common/display-text';
import type { ApprovalRequest, DecisionRecord, RunState, UsageTotals } from '../common/run-state';
import { approvalProgress } from '../common/approval-progress';
import type { CredentialEvidence } from '../common/identity/credentials';
import type { PendingRun } from '../client/reins-client';
import type { RunSummary } from '../client/run-queries';

/** "42s", "3m 12s", "2h 5m", "3d 4h": how long ago `iso` was. */
export function age(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '?';
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = seconds;
  for (const [label, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || (label === 's' && parts.length === 0)) parts.push(`${count}${label}`);
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

export function formatUsage(usage: UsageTotals): string {
  return (
    `${usage.totalTokens} tokens (${usage.inputTokens} in, ${usage.outputTokens} out, ${usage.cachedInputTokens} cached)` +
    ` · ${usage.modelCalls} model calls · ${usage.toolCalls} tool calls`
  );
}

/** How much of one call's arguments the human output shows before pointing at the command that shows them all. */
export const ARGS_SHOWN_CHARS = 20_000;

/**
 * A call's arguments, all of them, with nothing in them able to hide or fake text: `inline` when short enough for the
 * heading line, else indented JSON lines. Past `max` characters, the head and a line with the exact count left out and
 * the command (`seeAll`) that shows the rest.
 */
export function argsLines(
  args: unknown,
  options: { indent: string; seeAll: string; max?: number },
): { inline?: string; lines: string[] } {
  const json = argsJson(args);
  if (!json.includes('\n') && json.length <= 100) return { inline: json, lines: [] };
  const { shown, omitted } = clipText(json, options.max ?? ARGS_SHOWN_CHARS);
  const lines = shown.split('\n').map((line) => `${options.indent}${line}`);
  if (omitted > 0) lines.push(`${options.indent}… ${omitted} more characters; show all with: ${options.seeAll}`);
  return { lines };
}

export function decideHint(runId: string, requestId: string): string {
  const run = shellQuote(runId);
  return (
    `reins approve ${run} ${requestId} --by <you>   or   ` +
    `reins reject ${run} ${requestId} --by <you> --reason "<why>"`
  );
}

function approversOf(request: ApprovalRequest): string {
  const set = request.approvers;
  if (!set) return 'anyone';
  return visible([...set.users, ...set.roles.map((role) => `role ${role}`)].join(', '));
}

/** The heading of a call waiting for approval, its full arguments and the workspace paths they resolve to. */
export function callLines(
  runId: string,
  call: Pick<ApprovalRequest, 'requestId' | 'tool' | 'toolClass' | 'args' | 'paths'>,
  options: { indent: string; max?: number },
): string[] {
  const shown = argsLines(call.args, {
    indent: `${options.indent}    `,
    seeAll: showRequestCommand(runId, call.requestId),
    ...(options.max !== undefined ? { max: options.max } : {}),
  });
  return [
    `${options.indent}${call.requestId}  ${visible(call.tool)} (${call.toolClass})  ${shown.inline ?? 'arguments:'}`,
    ...shown.lines,
    ...(call.paths ?? []).map((path) => `${options.indent}    ${pathLine(path)}`),
  ];
}

function requestLines(runId: string, request: ApprovalRequest, now: number, max?: number): string[] {
  const stage = request.stage === 'escalated' ? ' · escalated' : '';
  return [
    ...callLines(runId, request, { indent: '  ', ...(max !== undefined ? { max } : {}) }),
    `      requested ${request.requestedAt} (${age(request.requestedAt, now)} ago) · rule: ${visible(request.rule)}${stage}`,
    `      may decide: ${approversOf(request)} · on timeout (${request.expiresAt}): ${request.onTimeout}`,
    ...(request.reasoning ? [`      the model said: ${visible(request.reasoning)}`] : []),
    ...progressLines(request, '      '),
    `      decide: ${decideHint(runId, request.requestId)}`,
  ];
}

const progressLines = (request: ApprovalRequest, indent: string) => {
  const progress = approvalProgress(request);
  return progress ? [`${indent}${visible(progress)}`] : [];
};

function decisionLines(runId: string, decision: DecisionRecord): string[] {
  const edited = decision.editedArgs
    ? argsLines(decision.editedArgs, { indent: '      ', seeAll: showRequestCommand(runId, decision.requestId) })
    : undefined;
  const reason = decision.reason ? `: ${visible(decision.reason)}` : '';
  const args = edited ? ` with args ${edited.inline ?? '(below)'}` : '';
  return [
    `  ${decision.requestId}  ${visible(decision.tool)}  ${decision.decision} by ${visible(decision.by)} via ${decision.via} at ${decision.decidedAt}${args}${reason}`,
    ...(edited?.lines ?? []),
    ...(decision.approvals && decision.approvals.length > 1
      ? [
          `      approvals: ${visible(decision.approvals.map((v) => v.by + (v.evidence ? ' (verified)' : '')).join(', '))}`,
        ]
      : []),
    ...(decision.evidence ? [`      ${visible(evidenceText(decision.evidence))}`] : []),
  ];
}

/** What a verified credential proved, without the credential. */
function evidenceText(evidence: CredentialEvidence): string {
  const source = evidence.issuer ? `${evidence.provider} (${evidence.issuer})` : evidence.provider;
  const roles = evidence.roles.length
    ? ` · roles ${evidence.roles.map((r) => `${r.role} from ${r.claim}=${r.value}`).join(', ')}`
    : '';
  return `verified by ${source}: subject ${evidence.subject}${evidence.keyId ? `, key ${evidence.keyId}` : ''}${roles}`;
}

export function formatState(state: RunState, uiUrl: string, now: number = Date.now()): string {
  const lines = [
    `Run       ${visible(state.runId)}`,
    `Agent     ${visible(state.agent)} for ${visible(state.userId)}${state.team ? ` · team ${visible(state.team)}` : ''}`,
    `Status    ${state.status} · step ${state.step}/${state.maxSteps}`,
    `Usage     ${formatUsage(state.usage)}`,
  ];
  if (state.policy?.version) {
    const applied = state.policyChanges?.length ? ` (applied ${state.policyChanges.length}× since start)` : '';
    lines.push(`Policy    ${visible(state.policy.version)}${applied} · \`reins policy explain\` shows its rules`);
  }
  if (state.reason) lines.push(`Reason    ${visible(state.reason)}`);
  if (state.lastError) {
    const { type, step, message } = state.lastError;
    lines.push(`Error     ${visible(type)} at step ${step}: ${visible(message)}`);
  }
  lines.push(`UI        ${uiUrl}`);
  lines.push(...modelAttemptLines(state));
  if (state.pendingApprovals.length > 0) {
    lines.push('', `Pending approvals (${state.pendingApprovals.length}):`);
    for (const request of state.pendingApprovals) lines.push(...requestLines(state.runId, request, now));
  }
  if (state.decisions.length > 0) {
    lines.push('', 'Decisions:', ...state.decisions.flatMap((decision) => decisionLines(state.runId, decision)));
  }
  lines.push(...notificationLines(state));
  if (state.ignoredDecisions.length > 0) {
    lines.push(
      '',
      'Ignored decisions:',
      ...state.ignoredDecisions.map(
        (d) => `  ${visible(d.requestId)}  by ${visible(d.by)} via ${d.via} at ${d.receivedAt}: ${visible(d.why)}`,
      ),
    );
  }
  if (state.answer !== undefined) lines.push('', 'Answer:', visible(state.answer, { keepLines: true }));
  return lines.join('\n');
}

/** How many recent notifications `reins status` lists; `--json` has all the run keeps. */
const NOTIFICATIONS_SHOWN = 10;

/** Who was told that the run waits, and which notices failed: the newest, with the failures' reasons. */
function notificationLines(state: RunState): string[] {
  const records = state.notifications ?? [];
  if (records.length === 0) return [];
  const shown = records.slice(-NOTIFICATIONS_SHOWN);
  const skipped = records.length - shown.length;
  return [
    '',
    `Notifications (${records.length}${skipped > 0 ? `, the newest ${shown.length} shown` : ''}):`,
    ...shown.map((record) => {
      const outcome = record.status === 'failed' && record.error ? `failed: ${visible(record.error)}` : record.status;
      const detail = record.detail ? ` (${visible(record.detail)})` : '';
      return `  ${visible(record.requestId)}  ${record.kind} via ${visible(record.channel)} at ${record.at}: ${outcome}${detail}`;
    }),
  ];
}

/** How many recent failed or skipped attempts `reins status` lists; `reins audit` has them all. */
const ATTEMPTS_SHOWN = 8;

/**
 * Routed runs: which providers answered, failed or were skipped (an open circuit, a missing capability), and the
 * latest attempts that did not answer, so failover is visible without asking for JSON.
 */
function modelAttemptLines(state: RunState): string[] {
  const attempts = state.modelAttempts ?? [];
  if (attempts.length === 0) return [];
  const tally = new Map<string, { ok: number; failed: number; skipped: number }>();
  for (const attempt of attempts) {
    const key = `${attempt.model} via ${attempt.provider}`;
    const counts = tally.get(key) ?? { ok: 0, failed: 0, skipped: 0 };
    counts[attempt.outcome] += 1;
    tally.set(key, counts);
  }
  const lines = ['', 'Models:'];
  for (const [key, counts] of tally) {
    lines.push(`  ${visible(key)}: ${counts.ok} answered, ${counts.failed} failed, ${counts.skipped} skipped`);
  }
  const missed = attempts.filter((attempt) => attempt.outcome !== 'ok');
  if (missed.length > 0) {
    lines.push(`Attempts that did not answer (latest ${Math.min(missed.length, ATTEMPTS_SHOWN)} of ${missed.length}):`);
    for (const attempt of missed.slice(-ATTEMPTS_SHOWN)) {
      const why = [attempt.errorType, attempt.message].filter(Boolean).join(': ');
      lines.push(
        `  step ${attempt.step} ${attempt.purpose} attempt ${attempt.attempt}  ${visible(`${attempt.model} via ${attempt.provider}`)}  ` +
          `${attempt.outcome}${why ? `: ${visible(why)}` : ''}`,
      );
    }
    if (missed.length > ATTEMPTS_SHOWN) lines.push(`  (all of them: \`reins audit ${visible(state.runId)}\`)`);
  }
  return lines;
}

/** One request of a run, pending or decided, with all of its arguments however long (`reins status --request`). */
export function formatRequest(state: RunState, request: ApprovalRequest, now: number = Date.now()): string {
  const pending = state.pendingApprovals.some((p) => p.requestId === request.requestId);
  const decision = state.decisions.find((d) => d.requestId === request.requestId);
  const lines = [`Run ${visible(state.runId)} · request ${request.requestId} · ${pending ? 'pending' : 'not pending'}`];
  lines.push(
    ...requestLines(state.runId, request, now, Infinity).filter((line) => pending || !/^ +decide: /.test(line)),
  );
  if (decision) lines.push(...decisionLines(state.runId, decision));
  return lines.join('\n');
}

export function formatPendingRuns(runs: PendingRun[], now: number = Date.now()): string {
  if (runs.length === 0) return 'No run is waiting for a decision.';
  const lines: string[] = [];
  for (const run of runs) {
    if (lines.length > 0) lines.push('');
    lines.push(
      `${visible(run.runId)}  (agent ${visible(run.agent ?? '?')}, user ${visible(run.user ?? '?')}, ` +
        `started ${age(run.startedAt, now)} ago)`,
    );
    if (run.stateError) {
      lines.push(`  ${run.pendingApprovals ?? '?'} pending; state unavailable: ${visible(run.stateError)}`);
    }
    for (const request of run.requests) lines.push(...requestLines(run.runId, request, now));
  }
  return lines.join('\n');
}

/** Left-aligned columns, sized to their widest cell. */
export function table(header: string[], raw: string[][]): string {
  // Cells come from runs and callers: nothing in them may move the terminal's cursor or reorder the text.
  const rows = raw.map((row) => row.map((cell) => visible(cell)));
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const render = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)].join('\n');
}

export function formatRuns(runs: RunSummary[], now: number = Date.now()): string {
  if (runs.length === 0) return 'No runs match.';
  return table(
    ['RUN', 'AGENT', 'USER', 'TEAM', 'STATUS', 'TOKENS', 'PENDING', 'STARTED'],
    runs.map((run) => [
      run.runId,
      run.agent ?? '',
      run.user ?? '',
      run.team ?? '',
      run.status,
      String(run.tokens ?? ''),
      String(run.pendingApprovals ?? ''),
      `${age(run.startedAt, now)} ago`,
    ]),
  );
}
