import type { RunSummary } from './run-queries';

/**
 * The `limit` most recently started runs, newest first, from visibility's own order. SQL visibility cannot sort by
 * start time (no ORDER BY): it lists open runs by start time, then closed runs by close time, newest first. A run
 * closes after it starts, so once a closed run closed before the oldest start among the `limit` kept so far, no run
 * after it can have started later: the scan stops there.
 */
export async function newestFirst(
  runs: AsyncIterable<RunSummary>,
  limit: number,
  matches: (run: RunSummary) => boolean = () => true,
): Promise<RunSummary[]> {
  const kept: RunSummary[] = [];
  const started = (run: RunSummary) => Date.parse(run.startedAt);
  for await (const run of runs) {
    if (kept.length >= limit && run.closedAt && Date.parse(run.closedAt) < started(kept[limit - 1]!)) break;
    if (!matches(run)) continue;
    kept.push(run);
    kept.sort((a, b) => started(b) - started(a) || b.runId.localeCompare(a.runId));
    if (kept.length > limit) kept.pop();
  }
  return kept;
}
