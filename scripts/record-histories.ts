/**
 * Records the histories of representative runs into test/histories/, where the test suite replays them against the
 * current workflow code. Re-record only when a change to the loop is meant to be incompatible (and then version it):
 *   npx tsx scripts/record-histories.ts [approvals|gated|long|context|duration|policy|governance|notify ...]
 * Only the named recordings are replaced (all when none is named): older ones stay to prove newer code replays them.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, mkdirSync, promises as fs, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { runDirectoryName } from '../activities/tools/workspace';
import { ReinsClient } from '../client';
import { reinsDataConverter } from '../shared/payload-storage';
import type { AgentSpecInput } from '../common/agent-spec';
import { createReinsWorker } from '../worker/create-worker';
import { isServerReachable, startDevServer } from './dev-server';
import { startScriptedModel, type ScriptFn } from '../testing/scripted-model';
import { REINS_BUNDLE_OPTIONS } from '../worker/bundle-options';
import { signDecision } from '../shared/identity/sign-decision';
import { stringify } from 'yaml';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const OUT = path.join(__dirname, '..', 'test', 'histories');

const clerk = (extra: Partial<AgentSpecInput> = {}): AgentSpecInput => ({
  name: 'file-clerk',
  instructions: 'You manage files in your workspace.',
  model: { name: 'scripted-1' },
  tools: [{ name: 'list_files' }, { name: 'read_file' }, { name: 'write_file' }, { name: 'delete_file' }],
  maxSteps: 20,
  ...extra,
});

const isSummary = (messages: Array<{ content?: unknown }>) =>
  String(messages[0]?.content ?? '').startsWith('You compress an agent conversation');

/** Model calls per prompt: compaction drops old turns, so the turn number cannot tell how far a run is. */
const calls = new Map<string, number>();

/** One script for all recorded runs, chosen by the prompt. */
const script: ScriptFn = (request, turn, attempt) => {
  const messages = request.messages as Array<{ role: string; content?: unknown }>;
  if (isSummary(messages)) return { reply: { content: 'SUMMARY: wrote several files.' } };
  const prompt = String(messages[1]?.content ?? '');
  if (prompt.startsWith('approvals')) {
    if (turn === 0) {
      return {
        reply: {
          toolCalls: [
            { name: 'delete_file', arguments: { path: 'old.log' } },
            { name: 'write_file', arguments: { path: 'config/app.yaml', content: 'debug: true' } },
            { name: 'delete_file', arguments: { path: 'keep.txt' } },
          ],
        },
      };
    }
    return { reply: { content: 'approvals handled' } };
  }
  if (prompt.startsWith('long')) {
    if (turn === 0 && attempt === 1) return { reply: { content: 'unused' }, faults: [{ status: 500 }] };
    const count = (calls.get(prompt) ?? 0) + 1;
    calls.set(prompt, count);
    return count <= 6
      ? {
          reply: {
            toolCalls: [{ name: 'write_file', arguments: { path: `f${count}.txt`, content: 'y'.repeat(1200) } }],
          },
        }
      : { reply: { content: 'long run done' } };
  }
  // Hostile arguments, then outputs larger than a small window: refused calls, a cut output, compaction.
  if (prompt.startsWith('context')) {
    const count = (calls.get(prompt) ?? 0) + 1;
    calls.set(prompt, count);
    if (count === 1) {
      const toolCalls = [
        { name: 'read_file', rawArguments: '{"path": "big' },
        // Truncated and long: refused, and kept cut in the transcript (over 64 KB it would be a claim, not replayable).
        { name: 'write_file', rawArguments: `{"path": "x.txt", "content": "${'z'.repeat(3_000)}` },
        { name: 'read_file', rawArguments: '[1, 2]' },
      ];
      return { reply: { toolCalls } };
    }
    return count <= 4
      ? { reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'big.txt' } }] } }
      : { reply: { content: 'context run done' } };
  }
  if (prompt.startsWith('policy')) {
    return turn === 0
      ? { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'notes.txt', content: 'x' } }] } }
      : { reply: { toolCalls: [{ name: 'list_files', arguments: {} }] } };
  }
  if (prompt.startsWith('governance')) {
    return turn === 0
      ? { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'old.log' } }] } }
      : { reply: { content: 'governed' } };
  }
  if (prompt.startsWith('duration'))
    return { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'x' } }] } };
  if (prompt.startsWith('notify'))
    return turn === 0
      ? { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'old.log' } }] } }
      : { reply: { content: 'notified and done' } };
  return { reply: { content: 'unexpected prompt' } };
};

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const given = process.env.TEMPORAL_ADDRESS;
  const server = given && (await isServerReachable(given)) ? undefined : await startDevServer({ ui: false });
  const address = given && !server ? given : server!.address;
  const model = await startScriptedModel({ script });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reins-record-'));
  const taskQueue = `record-${Date.now()}`;
  const wanted = new Set(process.argv.slice(2));
  const recording = (name: string) => wanted.size === 0 || wanted.has(name);
  const policyFile = path.join(dataDir, 'policy.yaml');
  // The notified run's webhook: a receiver in this process, the HMAC key from this process's environment.
  const hooks = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('ok')));
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
  process.env.REINS_RECORD_HOOK_SECRET = 'record-secret';
  // Approvers' signing keys for the governed run: made afresh, only their public halves go into the policy.
  const keys = { olga: generateKeyPairSync('ed25519'), sam: generateKeyPairSync('ed25519') };
  const approverKeys = Object.entries(keys).map(([user, pair]) => ({
    user,
    kid: `${user}-1`,
    jwk: pair.publicKey.export({ format: 'jwk' }),
  }));
  const writePolicy = (maxSteps: number) =>
    writeFileSync(
      policyFile,
      stringify({
        org: { budget: { maxSteps }, classes: { write: 'approval' } },
        teams: {
          ops: { approvals: { approvers: { users: ['sec'] } } },
          governed: { approvals: { quorum: 2, requesterMayApprove: false, verified: { classes: ['destructive'] } } },
          notify: {
            notifications: {
              channels: [{ type: 'webhook', url: hookUrl, secret: { secret: 'REINS_RECORD_HOOK_SECRET' } }],
              remindBefore: '2s',
            },
          },
        },
        identity: { approverKeys },
      }),
    );
  writePolicy(5);
  const rolesFile = path.join(dataDir, 'roles.yaml');
  writeFileSync(
    rolesFile,
    stringify({
      roles: { default: {}, ops: {} },
      users: { olga: ['ops'], sam: ['ops'], alice: { roles: ['ops'], teams: ['governed'] } },
    }),
  );
  const config = {
    temporalAddress: address,
    namespace: 'default',
    taskQueue,
    model: { baseURL: model.url, apiKey: 'x', provider: 'scripted' },
    dataDir,
    policyFile,
    // Only the governed run needs a directory; the others were recorded without one and are left as they were.
    ...(recording('governance') ? { rolesFile } : {}),
  };
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, dataConverter: reinsDataConverter({ dir: path.join(dataDir, 'payloads') }) });
  const reins = new ReinsClient(client, { taskQueue });
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    ...REINS_BUNDLE_OPTIONS,
  });
  const worker = await createReinsWorker({ config, connection: native, workflowBundle });
  const seed = (runId: string, files: Record<string, string>) => {
    const dir = path.join(dataDir, 'workspaces', runDirectoryName(runId));
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  };
  const waitFor = async (runId: string, pending: number) => {
    while ((await reins.getState(runId)).pendingApprovals.length !== pending)
      await new Promise((r) => setTimeout(r, 100));
  };

  const runs: string[] = [];
  await worker.runUntil(async () => {
    const stamp = Date.now();
    const approvals = `approvals-${stamp}`;
    if (recording('approvals')) {
      seed(approvals, { 'old.log': 'stale', 'keep.txt': 'precious' });
      const approvalSpec = clerk({
        tools: [
          { name: 'delete_file' },
          { name: 'write_file', approval: { when: [{ arg: 'path', glob: 'config/**' }] } },
        ],
      });
      await reins.startRun({ spec: approvalSpec, prompt: 'approvals', userId: 'u' }, { runId: approvals });
      await waitFor(approvals, 3);
      await reins.decide(approvals, { requestId: '9-9', decision: 'approve', by: 'x' }, { via: 'signal' });
      await reins.decide(approvals, { requestId: '1-1', decision: 'approve', by: 'ops' }, { via: 'signal' });
      await reins.decide(approvals, { requestId: '1-3', decision: 'reject', by: 'ops', reason: 'keep it' });
      const edit = { path: 'config/app.yaml', content: 'debug: false' };
      await reins.decide(approvals, { requestId: '1-2', decision: 'approve', by: 'lead', editedArgs: edit });
      await reins.result(approvals);
      runs.push(approvals);
    }

    // A run of the current version: one patch marker in its first task, then gates that show the resolved paths.
    if (recording('gated')) {
      const gated = `gated-${stamp}`;
      seed(gated, { 'old.log': 'stale' });
      const gatedSpec = clerk({
        maxSteps: undefined,
        tools: [{ name: 'delete_file' }, { name: 'write_file' }],
      });
      await reins.startRun({ spec: gatedSpec, prompt: 'approvals', userId: 'u' }, { runId: gated });
      await waitFor(gated, 3);
      await reins.decide(gated, { requestId: '1-1', decision: 'approve', by: 'ops' });
      await reins.decide(gated, { requestId: '1-2', decision: 'approve', by: 'ops' });
      await reins.decide(gated, { requestId: '1-3', decision: 'reject', by: 'ops', reason: 'keep it' });
      await reins.result(gated);
      runs.push(gated);
    }

    if (recording('long')) {
      const long = `long-${stamp}`;
      const longSpec = clerk({
        model: { name: 'scripted-1', contextWindow: 2048, outputReserve: 200 },
        context: { continueAsNewEvery: 3, keepRecentMessages: 4, compactAt: 0.5 },
      });
      await reins.startRun({ spec: longSpec, prompt: 'long', userId: 'u', prices: {} }, { runId: long });
      await reins.result(long);
      runs.push(long);
    }

    if (recording('context')) {
      const context = `context-${stamp}`;
      const words = Array.from({ length: 4_000 }, (_, i) => `w${i}`).join(' ');
      seed(context, { 'big.txt': words });
      const contextSpec = clerk({
        model: { name: 'scripted-1', contextWindow: 4096, outputReserve: 512 },
        context: { keepRecentMessages: 4 },
        maxSteps: 5,
      });
      await reins.startRun({ spec: contextSpec, prompt: 'context', userId: 'u', prices: {} }, { runId: context });
      await reins.result(context);
      runs.push(context);
    }

    if (recording('duration')) {
      const duration = `duration-${stamp}`;
      await reins.startRun(
        { spec: clerk({ budget: { maxDuration: '2s' } }), prompt: 'duration', userId: 'u' },
        { runId: duration },
      );
      await reins.result(duration);
      runs.push(duration);
    }

    // A platform policy at start, changed on disk while the run waits, then applied to it by an operator.
    if (recording('policy')) {
      const policy = `policy-${stamp}`;
      await reins.startRun(
        { spec: clerk({ maxSteps: undefined }), prompt: 'policy', userId: 'u', team: 'ops' },
        { runId: policy },
      );
      await waitFor(policy, 1);
      writePolicy(3);
      await reins.applyPolicy(policy, { by: 'ops-lead', reason: 'tighten' });
      await reins.decide(policy, { requestId: '1-1', decision: 'approve', by: 'sec' });
      await reins.result(policy);
      runs.push(policy);
    }

    // The worker's directory, a quorum of two signed approvals, and the requester kept off its own call.
    if (recording('governance')) {
      const governed = `governance-${stamp}`;
      const spec = clerk({ maxSteps: undefined, approvals: { approvers: { users: [], roles: ['ops'] } } });
      await reins.startRun({ spec, prompt: 'governance', userId: 'alice', team: 'governed' }, { runId: governed });
      await waitFor(governed, 1);
      await reins.decide(governed, { requestId: '1-1', decision: 'approve', by: 'alice' }, { via: 'signal' });
      for (const [by, via] of [
        ['olga', 'update'],
        ['sam', 'signal'],
      ] as const) {
        const binding = {
          purpose: 'decision' as const,
          workflowId: governed,
          requestId: '1-1',
          decision: 'approve' as const,
          claimedUser: by,
        };
        const jws = await signDecision(binding, keys[by].privateKey, `${by}-1`);
        await reins.decide(
          governed,
          { requestId: '1-1', decision: 'approve', by, credential: { kind: 'signature', jws } },
          { via },
        );
      }
      await reins.result(governed);
      runs.push(governed);
    }

    // A run of the current version (reins-run-v3): its gate notifies a webhook, a reminder timer fires before the
    // gate's timeout, then the gate escalates (a second notice) and is approved.
    if (recording('notify')) {
      const notified = `notify-${stamp}`;
      seed(notified, { 'old.log': 'stale' });
      const spec = clerk({
        maxSteps: undefined,
        approvals: {
          timeout: '3s',
          onTimeout: 'escalate',
          escalation: { approvers: { users: ['boss'] }, timeout: '1h' },
        },
      });
      await reins.startRun({ spec, prompt: 'notify', userId: 'u', team: 'notify' }, { runId: notified });
      while ((await reins.getState(notified)).notifications?.filter((n) => n.status === 'sent').length !== 3)
        await new Promise((r) => setTimeout(r, 100));
      await reins.decide(notified, { requestId: '1-1', decision: 'approve', by: 'boss' });
      await reins.result(notified);
      runs.push(notified);
    }
  });
  hooks.closeAllConnections();
  hooks.close();

  await fs.mkdir(OUT, { recursive: true });
  for (const runId of runs) {
    const name = runId.replace(/-\d+$/, '');
    for (const old of await fs.readdir(OUT)) if (old.startsWith(`${name}.`)) await fs.rm(path.join(OUT, old));
    let segment = 0;
    const executions = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = '${runId}'` }))
      executions.push(execution);
    executions.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    for (const execution of executions) {
      segment += 1;
      const history = await client.workflow.getHandle(runId, execution.runId).fetchHistory();
      await fs.writeFile(path.join(OUT, `${name}.${segment}.json`), historyToJSON(history));
      console.log(`recorded ${name}.${segment}.json (${history.events?.length} events)`);
    }
  }
  await native.close();
  await connection.close();
  await model.close();
  await server?.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
