import { existsSync } from 'node:fs';
import type { RunResult } from '../../common/run-state';

/** The demo's last words: the answer, the workflow id, token usage and the link to the run's history. */
export function formatReport(result: RunResult, links: { uiUrl: string; workspace: string }): string {
  const usage = result.usage;
  const lines =
    result.status === 'completed'
      ? ['', 'Answer:', ...(result.answer ?? '').split('\n').map((line) => `  ${line}`)]
      : ['', `The run ended ${result.status}: ${result.reason ?? result.lastError?.message ?? 'no reason recorded'}`];
  lines.push(
    '',
    `Workflow id:  ${result.runId}`,
    `Status:       ${result.status} after ${result.step} steps`,
    `Usage:        ${usage.totalTokens} tokens (${usage.inputTokens} in, ${usage.outputTokens} out) · ` +
      `${usage.modelCalls} model calls · ${usage.toolCalls} tool calls`,
    `Temporal UI:  ${links.uiUrl}`,
  );
  if (existsSync(links.workspace)) lines.push(`Workspace:    ${links.workspace}`);
  return lines.join('\n');
}
