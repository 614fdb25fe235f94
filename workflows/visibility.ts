import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { RunState } from '../common/run-state';
import {
  ReinsAgent,
  ReinsCostUsd,
  ReinsPendingApprovals,
  ReinsStatus,
  ReinsTeam,
  ReinsTokens,
  ReinsUser,
} from '../common/search-attributes';

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function costText(state: Pick<RunState, 'usage'>): string {
  const known = `$${state.usage.costUsd.toFixed(4)}`;
  return state.usage.costUnknown ? (state.usage.costUsd > 0 ? `${known} + unknown` : 'unknown') : known;
}

/** Markdown for the Temporal UI's "current details": what the run is doing and how to unblock it. */
export function describeRun(state: RunState): string {
  const lines = [
    `**${state.agent}** for **${state.userId}** · ${state.status} · step ${state.step}/${state.maxSteps}`,
    `tokens: ${state.usage.inputTokens} in, ${state.usage.outputTokens} out · cost: ${costText(state)} · tool calls: ${state.usage.toolCalls}`,
  ];
  if (state.pendingApprovals.length > 0) {
    lines.push('', '**Waiting for approval**');
    for (const request of state.pendingApprovals) {
      lines.push(
        `- \`${request.requestId}\` ${request.tool} (${request.toolClass}) ${truncate(JSON.stringify(request.args), 200)}`,
        `  decide: \`reins approve ${state.runId} ${request.requestId} --by <you>\` or \`reins reject ${state.runId} ${request.requestId} --by <you> --reason "..."\``,
      );
    }
  }
  if (state.lastError)
    lines.push('', `last error (${state.lastError.type}): ${truncate(state.lastError.message, 300)}`);
  for (const warning of state.warnings) lines.push(`warning: ${warning}`);
  if (state.reason) lines.push('', `stopped: ${state.reason}`);
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
