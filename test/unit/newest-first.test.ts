import fc from 'fast-check';
import { newestFirst } from '../../client/newest-first';
import type { RunSummary } from '../../client/run-queries';

const T0 = Date.parse('2026-12-01T00:00:00Z');

/** Runs as SQL visibility lists them: open ones by start time, then closed ones by close time, newest first. */
function visibilityOrder(runs: RunSummary[]): RunSummary[] {
  const open = runs.filter((r) => !r.closedAt).sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  const closed = runs.filter((r) => r.closedAt).sort((a, b) => Date.parse(b.closedAt!) - Date.parse(a.closedAt!));
  return [...open, ...closed];
}

async function* iterate(runs: RunSummary[]): AsyncIterable<RunSummary> {
  for (const run of runs) yield run;
}

const run = fc.record({
  start: fc.integer({ min: 0, max: 10_000 }),
  length: fc.option(fc.integer({ min: 0, max: 20_000 })),
});

describe('reins list: newest first by start time', () => {
  test('a run that started long ago and closed late comes after a newer one that closed early', async () => {
    const old: RunSummary = {
      runId: 'old',
      status: 'completed',
      taskQueue: 'q',
      startedAt: new Date(T0).toISOString(),
      closedAt: new Date(T0 + 50_000).toISOString(),
    };
    const newer: RunSummary = {
      runId: 'newer',
      status: 'completed',
      taskQueue: 'q',
      startedAt: new Date(T0 + 10_000).toISOString(),
      closedAt: new Date(T0 + 11_000).toISOString(),
    };
    const listed = await newestFirst(iterate(visibilityOrder([old, newer])), 5);
    expect(listed.map((r) => r.runId)).toEqual(['newer', 'old']);
  });

  test('equals sorting every run by start time, whatever the runs and the limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(run, { maxLength: 60 }), fc.integer({ min: 1, max: 20 }), async (specs, limit) => {
        const runs: RunSummary[] = specs.map((spec, i) => ({
          runId: `r${String(i).padStart(3, '0')}`,
          status: spec.length === null ? 'running' : 'completed',
          taskQueue: 'q',
          startedAt: new Date(T0 + spec.start * 1000).toISOString(),
          ...(spec.length === null ? {} : { closedAt: new Date(T0 + (spec.start + spec.length) * 1000).toISOString() }),
        }));
        const expected = [...runs]
          .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || b.runId.localeCompare(a.runId))
          .slice(0, limit);
        const listed = await newestFirst(iterate(visibilityOrder(runs)), limit);
        expect(listed.map((r) => r.runId)).toEqual(expected.map((r) => r.runId));
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});
