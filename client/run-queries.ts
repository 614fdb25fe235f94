import type { WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { AGENT_RUN_WORKFLOW } from '../common/messages';
import { RUN_STATUSES } from '../common/run-state';
import {
  ReinsAgent,
  ReinsPendingApprovals,
  ReinsStatus,
  ReinsTeam,
  ReinsTokens,
  ReinsUser,
} from '../common/search-attributes';
import { describeZodIssues } from '../common/zod-issues';
import { InvalidOptionsError } from './errors';

export const ListRunsOptionsSchema = z.strictObject({
  status: z.enum(RUN_STATUSES).optional(),
  agent: z.string().min(1).max(200).optional(),
  user: z.string().min(1).max(200).optional(),
  team: z.string().min(1).max(200).optional(),
  limit: z.number().int().positive().max(1000).default(20),
  /** Only open runs with undecided approvals. */
  pendingOnly: z.boolean().default(false),
});
export type ListRunsOptions = z.input<typeof ListRunsOptionsSchema>;
type ParsedListOptions = z.output<typeof ListRunsOptionsSchema>;

export interface ListPendingOptions {
  agent?: string;
  user?: string;
  team?: string;
  limit?: number;
  /** How long each run may take to report its pending requests. */
  timeoutMs?: number;
}

/** One run as Temporal visibility sees it (eventually consistent: a second or so behind the run). */
export interface RunSummary {
  runId: string;
  agent?: string;
  user?: string;
  team?: string;
  /** The run's own status; for a run ended from outside, Temporal's (terminated, timed_out). */
  status: string;
  tokens?: number;
  pendingApprovals?: number;
  taskQueue: string;
  startedAt: string;
  closedAt?: string;
}

export function parseListOptions(raw: ListRunsOptions): ParsedListOptions {
  const parsed = ListRunsOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidOptionsError(`invalid list options: ${describeZodIssues(parsed.error)}`);
  return parsed.data;
}

/** A single-quoted literal for a visibility query; quotes and backslashes are escaped. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

// SQL visibility stores (the dev server's SQLite among them) never match `"` or `\` by equality, so a value holding
// one is narrowed by its prefix on the server and compared exactly here.
const UNMATCHABLE = /["\\]/;

function keywordClause(name: string, value: string): string | undefined {
  const cut = value.search(UNMATCHABLE);
  if (cut < 0) return `${name} = ${quoteLiteral(value)}`;
  return cut > 0 ? `${name} STARTS_WITH ${quoteLiteral(value.slice(0, cut))}` : undefined;
}

const OPEN_STATUSES: ReadonlySet<string> = new Set(['running', 'awaiting_approval']);

/** The visibility query for the filters, plus the exact check for what the server can only narrow down. */
export function runsQuery(options: ParsedListOptions): { query: string; matches: (run: RunSummary) => boolean } {
  const clauses = [`WorkflowType = ${quoteLiteral(AGENT_RUN_WORKFLOW)}`];
  if (options.status) {
    clauses.push(`${ReinsStatus.name} = ${quoteLiteral(options.status)}`);
    // A run terminated from outside keeps its last published status; only open executions are really running.
    if (OPEN_STATUSES.has(options.status)) clauses.push(`ExecutionStatus = 'Running'`);
  }
  if (options.pendingOnly) clauses.push(`ExecutionStatus = 'Running'`, `${ReinsPendingApprovals.name} > 0`);
  if (options.agent !== undefined) clauses.push(keywordClause(ReinsAgent.name, options.agent) ?? '');
  if (options.user !== undefined) clauses.push(keywordClause(ReinsUser.name, options.user) ?? '');
  if (options.team !== undefined) clauses.push(keywordClause(ReinsTeam.name, options.team) ?? '');
  return {
    query: clauses.filter((clause) => clause !== '').join(' AND '),
    matches: (run) =>
      (options.agent === undefined || run.agent === options.agent) &&
      (options.user === undefined || run.user === options.user) &&
      (options.team === undefined || run.team === options.team),
  };
}

const ENDED_FROM_OUTSIDE: Record<string, string> = { TERMINATED: 'terminated', TIMED_OUT: 'timed_out' };

export function runSummaryOf(info: WorkflowExecutionInfo): RunSummary {
  const attributes = info.typedSearchAttributes;
  const status = attributes.get(ReinsStatus);
  return {
    runId: info.workflowId,
    agent: attributes.get(ReinsAgent),
    user: attributes.get(ReinsUser),
    team: attributes.get(ReinsTeam),
    status: ENDED_FROM_OUTSIDE[info.status.name] ?? status ?? info.status.name.toLowerCase(),
    tokens: attributes.get(ReinsTokens),
    pendingApprovals: attributes.get(ReinsPendingApprovals),
    taskQueue: info.taskQueue,
    startedAt: info.startTime.toISOString(),
    ...(info.closeTime ? { closedAt: info.closeTime.toISOString() } : {}),
  };
}
