import type { BenchEnv } from '../bench-env';
import { updateToNextActivity } from '../history';
import type { BenchOptions } from '../options';
import { residentBytes } from '../proc-memory';
import { row, type ScenarioResult } from '../report';
import { uniqueId } from '../runs';
import { mapPool, median, percentile, round, sleep } from '../stats';
import { approveAll, type Approval } from './approve';
import { plainSide, reinsSide, type PausedSide } from './paused-sides';

const MB = 2 ** 20;
const PAUSE_TIMEOUT_MS = 20 * 60_000;

interface Memory {
  process: number;
  server?: number;
}

async function memory(env: BenchEnv): Promise<Memory> {
  // With --expose-gc (as `npm run bench` runs), garbage is collected first so RSS shows what is kept, not churn.
  (globalThis as { gc?: () => void }).gc?.();
  await sleep(1000);
  return {
    process: process.memoryUsage().rss,
    server: env.serverPid === undefined ? undefined : await residentBytes(env.serverPid),
  };
}

interface Batch {
  ids: string[];
  pauseMs: number;
  before: Memory;
  after: Memory;
}

async function pauseBatch(env: BenchEnv, side: PausedSide, count: number, startedIds: string[]): Promise<Batch> {
  const before = await memory(env);
  const started = Date.now();
  const ids = Array.from({ length: count }, () => uniqueId(side.idPrefix));
  startedIds.push(...ids);
  await mapPool(ids, 50, (runId) => side.start(runId));
  await side.waitAllPaused(ids, PAUSE_TIMEOUT_MS);
  const pauseMs = Date.now() - started;
  return { ids, pauseMs, before, after: await memory(env) };
}

interface Release {
  sequential: Approval[];
  burst: Approval[];
  /** Client approve-start → the next ActivityTaskScheduled event, and UpdateAccepted → that event, per run. */
  scheduledMs: number[];
  acceptedToScheduledMs: number[];
}

/** The first `sequential` runs approved one at a time, the rest in a burst; then every run must finish. */
async function release(env: BenchEnv, side: PausedSide, ids: string[], options: BenchOptions): Promise<Release> {
  const marks = side.resumeMarks;
  const one = { concurrency: 1, waitForResume: true, marks, approve: side.approve };
  const sequential = await approveAll(env, ids.slice(0, options.sequentialApprovals), one);
  const many = { concurrency: options.approveConcurrency, waitForResume: false, marks, approve: side.approve };
  const burst = await approveAll(env, ids.slice(options.sequentialApprovals), many);
  await mapPool(ids, 100, (runId) => side.finish(runId));
  // Client and server share this machine's clock, so client approve-start → server event time is sound.
  const found = await mapPool(sequential, 20, async (approval) => {
    const history = await env.temporal.workflow.getHandle(approval.runId).fetchHistory();
    const first = updateToNextActivity(history)[0];
    return (
      first && { fromSent: first.scheduledAt - approval.sentAt, fromAccepted: first.scheduledAt - first.acceptedAt }
    );
  });
  const present = found.flatMap((f) => (f ? [f] : []));
  return {
    sequential,
    burst,
    scheduledMs: present.map((f) => f.fromSent),
    acceptedToScheduledMs: present.map((f) => f.fromAccepted),
  };
}

const p50 = (values: number[]) => percentile(values, 50);
const p99 = (values: number[]) => percentile(values, 99);
const resumed = (approvals: Approval[], mark = 0) => approvals.map((a) => a.resumeMs[mark]!);
const perRunKb = (batch: Batch, pick: (m: Memory) => number | undefined) => {
  const after = pick(batch.after);
  const before = pick(batch.before);
  return after === undefined || before === undefined ? undefined : (after - before) / 1024 / batch.ids.length;
};
const rounded = (values: number[]) => values.map((v) => round(v));

/**
 * `pausedRuns` plain workflows waiting on an update, then as many reins runs each stopped at a tool whose approval is
 * `always`, both batches held at once so each memory delta is its own. Memory is resident set size: this process
 * (workers, client, scripted model) and the dev server. Then each batch is released: the first
 * `sequentialApprovals` runs one at a time (unloaded latency), the rest with `approveConcurrency` in flight.
 */
export async function pausedRuns(env: BenchEnv, options: BenchOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const count = options.pausedRuns;
  const reins = reinsSide(env);
  const plain = plainSide(env);
  const startedIds: string[] = [];
  env.timeline.start();
  try {
    const plainBatch = await pauseBatch(env, plain, count, startedIds);
    const reinsBatch = await pauseBatch(env, reins, count, startedIds);
    const plainRelease = await release(env, plain, plainBatch.ids, options);
    const reinsRelease = await release(env, reins, reinsBatch.ids, options);

    const n = reinsRelease.sequential.length;
    const burst = `${reinsRelease.burst.length}, ${options.approveConcurrency} in flight`;
    const serverNote = env.serverPid === undefined ? 'dev server pid not found' : undefined;
    const startMb = (pick: (m: Memory) => number | undefined) => round((pick(plainBatch.before) ?? 0) / MB, 0);
    const [r, p] = [reinsRelease, plainRelease];
    return {
      id: 3,
      name: `${count} paused runs`,
      baseline: `${count} plain workflows waiting on an update, then one no-op activity`,
      rows: [
        row(
          `time to start ${count} runs and reach the pause`,
          's',
          reinsBatch.pauseMs / 1000,
          plainBatch.pauseMs / 1000,
        ),
        row(
          'bench process RSS per paused run',
          'KB',
          perRunKb(reinsBatch, (m) => m.process),
          perRunKb(plainBatch, (m) => m.process),
        ),
        row(
          'dev server RSS per paused run',
          'KB',
          perRunKb(reinsBatch, (m) => m.server),
          perRunKb(plainBatch, (m) => m.server),
          serverNote,
        ),
        row(
          'bench process RSS, both batches paused',
          'MB',
          reinsBatch.after.process / MB,
          undefined,
          `at start: ${startMb((m) => m.process)} MB`,
        ),
        row(
          'dev server RSS, both batches paused',
          'MB',
          reinsBatch.after.server && reinsBatch.after.server / MB,
          undefined,
          serverNote ?? `at start: ${startMb((m) => m.server)} MB`,
        ),
        row(
          `approve → run resumes, p50 (${n} one at a time)`,
          'ms',
          p50(resumed(r.sequential)),
          p50(resumed(p.sequential)),
          'reins: tool starts; plain: activity starts',
        ),
        row(
          `approve → run resumes, p99 (${n} one at a time)`,
          'ms',
          p99(resumed(r.sequential)),
          p99(resumed(p.sequential)),
        ),
        row(
          `approve → next activity scheduled, p50 (${r.scheduledMs.length}, history)`,
          'ms',
          p50(r.scheduledMs),
          p50(p.scheduledMs),
        ),
        row(
          `approve → next activity scheduled, p99 (${r.scheduledMs.length}, history)`,
          'ms',
          p99(r.scheduledMs),
          p99(p.scheduledMs),
        ),
        row(
          `approve → next model request, p50 (${n} one at a time)`,
          'ms',
          p50(resumed(r.sequential, 1)),
          undefined,
          'after the tool ran',
        ),
        row(`approve → next model request, p99 (${n} one at a time)`, 'ms', p99(resumed(r.sequential, 1))),
        row(`approve → run resumes, p50 (${burst})`, 'ms', p50(resumed(r.burst)), p50(resumed(p.burst))),
        row(`approve → run resumes, p99 (${burst})`, 'ms', p99(resumed(r.burst)), p99(resumed(p.burst))),
        row(
          'approval update round trip, median (one at a time)',
          'ms',
          median(r.sequential.map((a) => a.updateMs)),
          median(p.sequential.map((a) => a.updateMs)),
        ),
      ],
      params: {
        count,
        sequentialApprovals: n,
        burstApprovals: r.burst.length,
        approveConcurrency: options.approveConcurrency,
      },
      samples: Object.fromEntries(
        (
          [
            ['reins', reinsBatch, reinsRelease],
            ['plain', plainBatch, plainRelease],
          ] as const
        ).map(([name, batch, rel]) => [
          name,
          {
            pauseMs: batch.pauseMs,
            memoryBefore: batch.before,
            memoryPaused: batch.after,
            sequentialUpdateMs: rounded(rel.sequential.map((a) => a.updateMs)),
            sequentialResumeMs: rel.sequential.map((a) => rounded(a.resumeMs)),
            burstResumeMs: rel.burst.map((a) => rounded(a.resumeMs)),
            approveToActivityScheduledMs: rounded(rel.scheduledMs),
            updateAcceptedToActivityScheduledMs: rounded(rel.acceptedToScheduledMs),
          },
        ]),
      ),
      durationMs: Date.now() - started,
    };
  } catch (error) {
    // Paused runs left behind would wait for days on a server the bench did not start; end them.
    await mapPool(startedIds, 20, (id) =>
      env.temporal.workflow
        .getHandle(id)
        .terminate('bench: scenario failed')
        .catch(() => undefined),
    );
    throw error;
  } finally {
    env.timeline.stop();
  }
}
