import type { ApprovalRequest, DecisionRecord, RunState, UsageTotals } from '../../common/run-state';
import type { PendingRun } from '../reins-client';
import type { RunSummary } from '../run-queries';

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

export function formatArgs(args: unknown, max = 160): string {
  const text = JSON.stringify(args) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
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
  return [...set.users, ...set.roles.map((role) => `role ${role}`)].join(', ');
}

function requestLines(runId: string, request: ApprovalRequest, now: number): string[] {
  const stage = request.stage === 'escalated' ? ' · escalated' : '';
  return [
    `  ${request.requestId}  ${request.tool} (${request.toolClass})  ${formatArgs(request.args)}`,
    `      requested ${request.requestedAt} (${age(request.requestedAt, now)} ago) · rule: ${request.rule}${stage}`,
    `      may decide: ${approversOf(request)} · on timeout (${request.expiresAt}): ${request.onTimeout}`,
    `      decide: ${decideHint(runId, request.requestId)}`,
  ];
}

function decisionLine(decision: DecisionRecord): string {
  const edited = decision.editedArgs ? ` with args ${formatArgs(decision.editedArgs)}` : '';
  const reason = decision.reason ? `: ${decision.reason}` : '';
  return `  ${decision.requestId}  ${decision.tool}  ${decision.decision} by ${decision.by} via ${decision.via} at ${decision.decidedAt}${edited}${reason}`;
}

export function formatState(state: RunState, uiUrl: string, now: number = Date.now()): string {
  const lines = [
    `Run       ${state.runId}`,
    `Agent     ${state.agent} for ${state.userId}${state.team ? ` · team ${state.team}` : ''}`,
    `Status    ${state.status} · step ${state.step}/${state.maxSteps}`,
    `Usage     ${formatUsage(state.usage)}`,
  ];
  if (state.policy?.version) {
    const applied = state.policyChanges?.length ? ` (applied ${state.policyChanges.length}× since start)` : '';
    lines.push(`Policy    ${state.policy.version}${applied} · \`reins policy explain\` shows its rules`);
  }
  if (state.reason) lines.push(`Reason    ${state.reason}`);
  if (state.lastError) {
    lines.push(`Error     ${state.lastError.type} at step ${state.lastError.step}: ${state.lastError.message}`);
  }
  lines.push(`UI        ${uiUrl}`);
  if (state.pendingApprovals.length > 0) {
    lines.push('', `Pending approvals (${state.pendingApprovals.length}):`);
    for (const request of state.pendingApprovals) lines.push(...requestLines(state.runId, request, now));
  }
  if (state.decisions.length > 0) {
    lines.push('', 'Decisions:', ...state.decisions.map(decisionLine));
  }
  if (state.ignoredDecisions.length > 0) {
    lines.push(
      '',
      'Ignored decisions:',
      ...state.ignoredDecisions.map((d) => `  ${d.requestId}  by ${d.by} via ${d.via} at ${d.receivedAt}: ${d.why}`),
    );
  }
  if (state.answer !== undefined) lines.push('', 'Answer:', state.answer);
  return lines.join('\n');
}

export function formatPendingRuns(runs: PendingRun[], now: number = Date.now()): string {
  if (runs.length === 0) return 'No run is waiting for a decision.';
  const lines: string[] = [];
  for (const run of runs) {
    if (lines.length > 0) lines.push('');
    lines.push(
      `${run.runId}  (agent ${run.agent ?? '?'}, user ${run.user ?? '?'}, started ${age(run.startedAt, now)} ago)`,
    );
    if (run.stateError) lines.push(`  ${run.pendingApprovals ?? '?'} pending; state unavailable: ${run.stateError}`);
    for (const request of run.requests) lines.push(...requestLines(run.runId, request, now));
  }
  return lines.join('\n');
}

/** Left-aligned columns, sized to their widest cell. */
export function table(header: string[], rows: string[][]): string {
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
