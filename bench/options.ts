import path from 'node:path';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  /** Scenario numbers to run (1-7). */
  only: number[];
  out: string;
  /** Repetitions of the step-overhead and plain-loop measurements (scenarios 1 and 6). */
  reps: number;
  /** Tool steps per run in scenarios 1 and 6. */
  steps: number;
  throughputReps: number;
  concurrentRuns: number;
  concurrentSteps: number;
  pausedRuns: number;
  /** Of the paused runs, how many are approved one at a time (the rest go in a burst). */
  sequentialApprovals: number;
  approveConcurrency: number;
  historySteps: number[];
  historyBytes: number;
  startReps: number;
  /** Repetitions of each store comparison in scenario 7. */
  storeReps: number;
  /** Size of the file each step of scenario 7's writing run adds to the workspace. */
  storeFileBytes: number;
}

type NumberKey = Exclude<keyof BenchOptions, 'quick' | 'only' | 'out' | 'historySteps'>;

interface Knob {
  key: NumberKey;
  flag: string;
  env: string;
  full: number;
  quick: number;
  help: string;
}

// Full defaults are sized for about ten minutes on a 2-core machine; quick ones for a one-minute smoke run.
export const KNOBS: readonly Knob[] = [
  { key: 'reps', flag: 'reps', env: 'BENCH_REPS', full: 5, quick: 1, help: 'repetitions, scenarios 1 and 6' },
  { key: 'steps', flag: 'steps', env: 'BENCH_STEPS', full: 100, quick: 20, help: 'steps per run, scenarios 1 and 6' },
  {
    key: 'throughputReps',
    flag: 'throughput-reps',
    env: 'BENCH_THROUGHPUT_REPS',
    full: 2,
    quick: 1,
    help: 'repetitions, scenario 2',
  },
  {
    key: 'concurrentRuns',
    flag: 'concurrent-runs',
    env: 'BENCH_CONCURRENT_RUNS',
    full: 100,
    quick: 20,
    help: 'concurrent runs, scenario 2',
  },
  {
    key: 'concurrentSteps',
    flag: 'concurrent-steps',
    env: 'BENCH_CONCURRENT_STEPS',
    full: 10,
    quick: 5,
    help: 'steps per concurrent run, scenario 2',
  },
  { key: 'pausedRuns', flag: 'paused-runs', env: 'BENCH_PAUSED_RUNS', full: 1000, quick: 100, help: 'scenario 3' },
  {
    key: 'sequentialApprovals',
    flag: 'sequential-approvals',
    env: 'BENCH_SEQUENTIAL_APPROVALS',
    full: 200,
    quick: 50,
    help: 'paused runs approved one at a time, scenario 3',
  },
  {
    key: 'approveConcurrency',
    flag: 'approve-concurrency',
    env: 'BENCH_APPROVE_CONCURRENCY',
    full: 20,
    quick: 20,
    help: 'approvals in flight for the rest, scenario 3',
  },
  {
    key: 'historyBytes',
    flag: 'history-bytes',
    env: 'BENCH_HISTORY_BYTES',
    full: 2048,
    quick: 2048,
    help: 'tool output size, scenario 4',
  },
  { key: 'startReps', flag: 'start-reps', env: 'BENCH_START_REPS', full: 20, quick: 5, help: 'scenario 5' },
  {
    key: 'storeReps',
    flag: 'store-reps',
    env: 'BENCH_STORE_REPS',
    full: 5,
    quick: 3,
    help: 'repetitions per store and run kind, scenario 7',
  },
  {
    key: 'storeFileBytes',
    flag: 'store-file-bytes',
    env: 'BENCH_STORE_FILE_BYTES',
    full: 4096,
    quick: 4096,
    help: 'bytes of the file each step writes, scenario 7',
  },
];

const HISTORY_STEPS = { flag: 'history-steps', env: 'BENCH_HISTORY_STEPS', full: [10, 100, 300], quick: [5, 20] };
const ALL_SCENARIOS = [1, 2, 3, 4, 5, 6, 7];

export const USAGE = [
  'usage: npm run bench -- [--quick] [--only 1,3] [--out file.json] [--<knob> N ...]',
  '',
  'knobs (flag / environment variable: default, quick default):',
  ...KNOBS.map((k) => `  --${k.flag} / ${k.env}: ${k.full}, ${k.quick}  (${k.help})`),
  `  --${HISTORY_STEPS.flag} / ${HISTORY_STEPS.env}: ${HISTORY_STEPS.full.join(',')}, ${HISTORY_STEPS.quick.join(',')}  (checkpoints, scenario 4)`,
  '  --only / BENCH_ONLY: scenario numbers to run, e.g. 1,2,6',
  '  --out / BENCH_OUT: results file (default bench/results.json; bench/results.quick.json with --quick)',
  '  TEMPORAL_ADDRESS: use that Temporal server when it answers, instead of starting an in-memory dev server',
  '  REINS_TEST_PG_URL: the PostgreSQL for scenario 7 (else one at 127.0.0.1:5432/test, else a private one started)',
].join('\n');

function positiveInt(value: string, name: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return parsed;
}

function intList(value: string, name: string): number[] {
  const list = value.split(',').map((part) => positiveInt(part.trim(), name));
  if (list.length === 0) throw new Error(`${name} must list at least one number`);
  return list;
}

/** Flags win over environment variables, which win over the (quick or full) defaults. */
export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      only: { type: 'string' },
      out: { type: 'string' },
      [HISTORY_STEPS.flag]: { type: 'string' },
      ...Object.fromEntries(KNOBS.map((k) => [k.flag, { type: 'string' as const }])),
    },
  });
  if (values.help) return 'help';
  const quick = values.quick === true || env.BENCH_QUICK === '1';
  const pick = (flag: string, envName: string): [string, string] | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return [fromFlag, `--${flag}`];
    const fromEnv = env[envName];
    return fromEnv !== undefined && fromEnv !== '' ? [fromEnv, envName] : undefined;
  };

  const numbers = {} as Record<NumberKey, number>;
  for (const knob of KNOBS) {
    const given = pick(knob.flag, knob.env);
    numbers[knob.key] = given ? positiveInt(...given) : quick ? knob.quick : knob.full;
  }
  const historyGiven = pick(HISTORY_STEPS.flag, HISTORY_STEPS.env);
  const historySteps = historyGiven ? intList(...historyGiven) : quick ? HISTORY_STEPS.quick : HISTORY_STEPS.full;
  const onlyGiven = pick('only', 'BENCH_ONLY');
  const only = onlyGiven ? intList(...onlyGiven) : ALL_SCENARIOS;
  const unknown = only.filter((n) => !ALL_SCENARIOS.includes(n));
  if (unknown.length > 0) throw new Error(`--only: there is no scenario ${unknown.join(', ')} (they are 1-7)`);
  if (numbers.sequentialApprovals > numbers.pausedRuns) numbers.sequentialApprovals = numbers.pausedRuns;

  const outGiven = pick('out', 'BENCH_OUT');
  const out = path.resolve(outGiven?.[0] ?? path.join(__dirname, quick ? 'results.quick.json' : 'results.json'));
  return { quick, only, out, historySteps: [...historySteps].sort((a, b) => a - b), ...numbers };
}
