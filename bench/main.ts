import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startBenchEnv, type BenchEnv } from './bench-env';
import { parseBenchOptions, USAGE, type BenchOptions } from './options';
import { formatTable, writeResults, type ScenarioResult } from './report';
import { runPlain, runReins } from './runs';
import { historySize } from './scenarios/history-size';
import { pausedRuns } from './scenarios/paused-runs';
import { againstPlainLoop } from './scenarios/plain-loop';
import { startLatency } from './scenarios/start-latency';
import { storeOverhead } from './scenarios/store-overhead';
import { stepOverhead } from './scenarios/step-overhead';
import { throughput } from './scenarios/throughput';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

type Scenario = (env: BenchEnv, options: BenchOptions, done: ScenarioResult[]) => Promise<ScenarioResult>;

// Scenario 6 reuses scenario 1's reins runs when both ran, so it comes after it.
const SCENARIOS: Array<[number, string, Scenario]> = [
  [1, 'step overhead', (env, options) => stepOverhead(env, options)],
  [2, 'throughput', (env, options) => throughput(env, options)],
  [3, 'paused runs', (env, options) => pausedRuns(env, options)],
  [4, 'history size', (env, options) => historySize(env, options)],
  [5, 'start latency', (env, options) => startLatency(env, options)],
  [
    6,
    'against a plain in-process loop',
    (env, options, done) => {
      const samples = done.find((result) => result.id === 1)?.samples.reinsRunMs as number[] | undefined;
      return againstPlainLoop(env, options, samples);
    },
  ],
  [7, 'store: filesystem vs PostgreSQL', (env, options) => storeOverhead(env, options)],
];

/** First runs pay for JIT, caches and connections; neither side should carry that in its figures. */
async function warmUp(env: BenchEnv): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await runReins(env, { steps: 5, bytes: 0 });
    await runPlain(env, 10, 0);
  }
}

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2), process.env);
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const startedAt = new Date();
  log(`${options.quick ? 'quick run' : 'full run'}; scenarios ${options.only.join(', ')}`);
  // Only scenario 7 needs a PostgreSQL server; the others run as before without one.
  const env = await startBenchEnv(log, { postgres: options.only.includes(7) });
  const results: ScenarioResult[] = [];
  const errors: string[] = [];
  const stop = () => {
    log('interrupted; stopping workers and servers');
    void env.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await warmUp(env);
    for (const [id, name, scenario] of SCENARIOS) {
      if (!options.only.includes(id)) continue;
      log(`scenario ${id}: ${name}...`);
      try {
        const result = await scenario(env, options, results);
        results.push(result);
        log(`scenario ${id} done in ${(result.durationMs / 1000).toFixed(1)} s`);
      } catch (error) {
        // One broken scenario should not throw away the others' numbers.
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        errors.push(`scenario ${id}: ${message}`);
        log(`scenario ${id} failed: ${message}`);
      }
    }
  } finally {
    await env.close();
  }
  process.stdout.write(`\n${formatTable(results)}\n`);
  await writeResults(options.out, {
    startedAt,
    options,
    server: { address: env.address, startedByBench: env.ownServer, pidFound: env.serverPid !== undefined },
    results,
    errors,
  });
  log(
    `results written to ${path.relative(process.cwd(), options.out)} (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s in all)`,
  );
  return errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
