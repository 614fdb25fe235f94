import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import {
  argsJson,
  clipText,
  markdownBlock,
  markdownCode,
  markdownText,
  pathLine,
  shellQuote,
  showRequestCommand,
  temporalDecideCommand,
} from '../../common/display-text';
import type { ApprovalRequest, RunState } from '../../common/run-state';
import { approvalProgress } from '../../common/approval-progress';
import {
  ReinsAgent,
  ReinsCostUsd,
  ReinsPendingApprovals,
  ReinsStatus,
  ReinsTeam,
  ReinsTokens,
  ReinsUser,
} from '../../common/search-attributes';

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function costText(state: Pick<RunState, 'usage'>): string {
  const known = `$${state.usage.costUsd.toFixed(4)}`;
  return state.usage.costUnknown ? (state.usage.costUsd > 0 ? `${known} + unknown` : 'unknown') : known;
}

/**
 * How much of the pending calls' arguments the current details carry in all. The details travel in every answer to
 * the UI's metadata query; past this, each call shows its head and the command that shows it whole.
 */
export const DETAILS_ARGS_BUDGET = 24_000;
const MIN_ARGS_PER_CALL = 1_000;

function pendingLines(state: RunState, request: ApprovalRequest, max: number): string[] {
  const run = state.runId;
  const id = request.requestId;
  const json = argsJson(request.args);
  const { shown, omitted } = clipText(json, max);
  const inline = !json.includes('\n') && omitted === 0;
  const lines = [
    `- ${markdownCode(id)} ${markdownText(request.tool)} (${request.toolClass})${inline ? ` ${markdownCode(json)}` : ''}`,
  ];
  if (!inline) lines.push(...markdownBlock(shown, '  '));
  if (omitted > 0) {
    lines.push(`  … ${omitted} more characters; show all: ${markdownCode(showRequestCommand(run, id))}`);
  }
  for (const path of request.paths ?? []) lines.push(`  ${markdownText(pathLine(path))}`);
  if (request.reasoning) lines.push(`  the model said: ${markdownText(truncate(request.reasoning, 500))}`);
  const progress = approvalProgress(request);
  if (progress) lines.push(`  ${markdownText(progress)}`);
  const quoted = shellQuote(run);
  lines.push(
    `  decide: ${markdownCode(`reins approve ${quoted} ${id} --by <you>`)} or ` +
      `${markdownCode(`reins reject ${quoted} ${id} --by <you> --reason "..."`)}`,
  );
  // In a code block, where the UI's renderer leaves quotes as they are, so the command pastes as it reads.
  lines.push('  or with the Temporal CLI:', ...markdownBlock(temporalDecideCommand(run, id), '  ', 'sh'));
  return lines;
}

/** One notification as the details show it: channel, kind, request and how it went (a failure's reason, cut). */
const noticeText = (n: NonNullable<RunState['notifications']>[number]) =>
  `${markdownText(n.channel)} ${n.kind} ${markdownText(n.requestId)} ${n.status}` +
  (n.error ? ` (${markdownText(truncate(n.error, 120))})` : '');

/** Markdown for the Temporal UI's "current details": what the run is doing and how to unblock it. */
export function describeRun(state: RunState): string {
  const lines = [
    `**${markdownText(state.agent)}** for **${markdownText(state.userId)}** · ${state.status} · step ${state.step}/${state.maxSteps}`,
    `tokens: ${state.usage.inputTokens} in, ${state.usage.outputTokens} out · cost: ${costText(state)} · tool calls: ${state.usage.toolCalls}`,
  ];
  const pending = state.pendingApprovals;
  if (pending.length > 0) {
    lines.push('', '**Waiting for approval**');
    const share = Math.max(MIN_ARGS_PER_CALL, Math.floor(DETAILS_ARGS_BUDGET / pending.length));
    for (const request of pending) lines.push(...pendingLines(state, request, share));
    const notices = (state.notifications ?? []).filter((n) => pending.some((r) => r.requestId === n.requestId));
    if (notices.length > 0) lines.push('', `notified: ${notices.slice(-10).map(noticeText).join(' · ')}`);
  }
  if (state.lastError) {
    const { type, message } = state.lastError;
    lines.push('', `last error (${markdownText(type)}): ${markdownText(truncate(message, 300))}`);
  }
  for (const warning of state.warnings) lines.push(`warning: ${markdownText(warning)}`);
  if (state.reason) lines.push('', `stopped: ${markdownText(state.reason)}`);
  return lines.join('\n');
}

/**
 * Publishes the run's state to search attributes and current details. Search attributes are upserted only when they
 * change: each upsert is a history event, and a quiet history is a cheap one.
 */
export class RunVisibility {
  private readonly last = new Map<string, unknown>();

  publish(state: RunState): void {
    const wanted: SearchAttributeUpdatePair[] = [
      { key: ReinsAgent, value: state.agent },
      { key: ReinsUser, value: state.userId },
      { key: ReinsStatus, value: state.status },
      { key: ReinsPendingApprovals, value: state.pendingApprovals.length },
      { key: ReinsTokens, value: state.usage.totalTokens },
      { key: ReinsCostUsd, value: Math.round(state.usage.costUsd * 1e6) / 1e6 },
      // Runs recorded before teams existed have none, and replaying them must not add an upsert they never made.
      ...(state.team !== undefined ? [{ key: ReinsTeam, value: state.team }] : []),
    ];
    const changed = wanted.filter((pair) => this.last.get(pair.key.name) !== pair.value);
    if (changed.length > 0) {
      for (const pair of changed) this.last.set(pair.key.name, pair.value);
      upsertSearchAttributes(changed);
    }
    setCurrentDetails(describeRun(state));
  }
}
