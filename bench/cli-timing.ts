/**
 * How long the `reins` CLI takes, as a person feels it: `reins --help`, `reins status` against a local server, and
 * the report of an unreachable server. A smoke measurement, not a test: timings depend on the machine and its load.
 *
 *   npx tsx bench/cli-timing.ts [--runs 5]
 *
 * Needs a Temporal server at TEMPORAL_ADDRESS (default localhost:7233) with at least one reins run for `status`,
 * preferably a completed one (`npm start -- --yes` leaves one).
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_TEMPORAL_ADDRESS } from '../common/task-queues';

const BIN = path.join(__dirname, '..', 'bin', 'reins');
const TARGETS_MS = { help: 500, status: 1_000, unreachable: 3_000 };

function timeCli(args: string[]): { ms: number; code: number | null } {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [BIN, ...args], { stdio: 'ignore' });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, code: result.status };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/**
 * A run whose status answers without a worker: a completed run is read from its history, while a running one waits
 * for a worker to answer the state query (10 s when none polls). Any run when none has completed.
 */
async function someRunId(address: string): Promise<string | undefined> {
  const connection = await Connection.connect({ address, connectTimeout: 3_000 });
  try {
    const client = new Client({ connection });
    for (const query of ["WorkflowType = 'agentRun' AND ExecutionStatus = 'Completed'", "WorkflowType = 'agentRun'"])
      for await (const info of client.workflow.list({ query })) return info.workflowId;
    return undefined;
  } finally {
    await connection.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const runs = Math.max(1, Number(values.runs) || 5);
  const address = process.env.TEMPORAL_ADDRESS || DEFAULT_TEMPORAL_ADDRESS;
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentAddress = `127.0.0.1:${(silent.address() as { port: number }).port}`;
  const runId = await someRunId(address).catch(() => undefined);

  const measure = (args: string[]) => median(Array.from({ length: runs }, () => timeCli(args).ms));
  const rows: Array<[string, number | undefined, number]> = [
    ['reins --help', measure(['--help']), TARGETS_MS.help],
    ['reins status <run>', runId ? measure(['--address', address, 'status', runId]) : undefined, TARGETS_MS.status],
    ['unreachable server reported', measure(['--address', silentAddress, 'list']), TARGETS_MS.unreachable],
  ];
  for (const socket of sockets) socket.destroy();
  silent.close();
  console.log(`CLI timings, median of ${runs} (ms); target in brackets`);
  for (const [what, ms, target] of rows) {
    const shown = ms === undefined ? 'skipped (no run on the server)' : `${Math.round(ms)}`;
    const verdict = ms === undefined ? '' : ms <= target ? ' ok' : ' over';
    console.log(`  ${what.padEnd(30)} ${shown.padStart(8)} [${target}]${verdict}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
