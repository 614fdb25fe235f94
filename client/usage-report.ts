import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { AGENT_RUN_WORKFLOW } from '../common/messages';
import { ReinsAgent, ReinsCostUsd, ReinsTeam, ReinsTokens, ReinsUser } from '../common/search-attributes';
import { quoteLiteral } from './run-queries';
import { describeZodIssues } from '../common/zod-issues';
import { InvalidOptionsError } from './errors';
import { SinceSchema } from './since';

export const UsageOptionsSchema = z.strictObject({
  by: z.enum(['user', 'agent', 'team', 'day']).default('user'),
  /** Only runs of this team. */
  team: z.string().min(1).max(200).optional(),
  /** Runs started at or after this moment (a Date, an ISO date or date-time, `today`, `yesterday`, or `7d`-style). */
  since: SinceSchema.optional(),
});
export type UsageOptions = z.input<typeof UsageOptionsSchema>;

export interface UsageRow {
  key: string;
  runs: number;
  tokens: number;
  costUsd: number;
}

function groupKey(info: WorkflowExecutionInfo, by: 'user' | 'agent' | 'team' | 'day'): string {
  const attributes = info.typedSearchAttributes;
  if (by === 'team') return attributes.get(ReinsTeam) ?? '(none)';
  if (by === 'user') return attributes.get(ReinsUser) ?? '(unknown)';
  if (by === 'agent') return attributes.get(ReinsAgent) ?? '(unknown)';
  return info.startTime.toISOString().slice(0, 10);
}

/**
 * Spend and tokens per user, agent, team or day, from the runs' search attributes (ReinsCostUsd, ReinsTokens), so no run is
 * replayed to build it. A run that continued as new is counted once, by its latest execution, which carries the
 * run's totals; a day is the day that execution started.
 */
export async function usageReport(client: Client, raw: UsageOptions = {}): Promise<UsageRow[]> {
  const parsed = UsageOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidOptionsError(`invalid usage options: ${describeZodIssues(parsed.error)}`);
  const { by, since, team } = parsed.data;
  const clauses = [`WorkflowType = '${AGENT_RUN_WORKFLOW}'`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (since) clauses.push(`StartTime >= '${since.toISOString()}'`);
  if (team) clauses.push(`${ReinsTeam.name} = ${quoteLiteral(team)}`);
  const rows = new Map<string, UsageRow>();
  for await (const info of client.workflow.list({ query: clauses.join(' AND ') })) {
    // Visibility narrows by team; the exact comparison also covers values it cannot match by equality.
    if (team !== undefined && info.typedSearchAttributes.get(ReinsTeam) !== team) continue;
    const key = groupKey(info, by);
    const row = rows.get(key) ?? { key, runs: 0, tokens: 0, costUsd: 0 };
    row.runs += 1;
    row.tokens += info.typedSearchAttributes.get(ReinsTokens) ?? 0;
    row.costUsd += info.typedSearchAttributes.get(ReinsCostUsd) ?? 0;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key));
}
