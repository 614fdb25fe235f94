import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { promises as fs, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { runDirectoryName } from '../../activities/tools/workspace';
import type { ChatRequestBody, ScriptTurn } from '../../scripts/scripted-model';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { waitForState, withReins } from '../helpers/harness';

const CLERK = path.join(REPO_ROOT, 'agents', 'file-clerk.yaml');
const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-cli-cred-'));
const olga = generateKeyPairSync('ed25519');
const keyFile = path.join(dir, 'olga.pem');
writeFileSync(keyFile, olga.privateKey.export({ type: 'pkcs8', format: 'pem' }));

// Olga's public key is registered; destructive calls count only verified approvals.
const policyFile = path.join(dir, 'policy.yaml');
writeFileSync(
  policyFile,
  stringify({
    identity: { approverKeys: [{ user: 'olga', kid: 'olga-1', jwk: olga.publicKey.export({ format: 'jwk' }) }] },
    org: { approvals: { verified: { classes: ['destructive'] } } },
  }),
);

function deleteThenReport(request: ChatRequestBody, turn: number): ScriptTurn {
  if (turn === 0) return { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'old.log' } }] } };
  const last = [...request.messages].reverse().find((message) => message.role === 'tool');
  const content = typeof last?.content === 'string' ? last.content : '';
  return { reply: { content: content.startsWith('Error') ? `Kept old.log. ${content}` : 'Deleted old.log.' } };
}

test('reins approve: refused without a credential naming the rule; approved with --sign-key/--key-id; status shows the evidence', async () => {
  await withReins({ script: deleteThenReport, policyFile }, async (context) => {
    const queue = ['--task-queue', context.taskQueue];
    const runId = `cli-cred-${randomUUID().slice(0, 8)}`;
    const workspace = path.join(context.dataDir, 'workspaces', runDirectoryName(runId));
    await fs.mkdir(workspace, { recursive: true });
    await fs.writeFile(path.join(workspace, 'old.log'), 'stale');
    const started = await runCli([...queue, 'start', CLERK, 'Delete old.log', '--user', 'alice', '--id', runId]);
    expect(started).toMatchObject({ code: 0 });
    await waitForState(context.reins, runId, (state) => state.status === 'awaiting_approval');

    const pending = await runCli([...queue, 'status', runId]);
    expect(pending.stdout).toContain('verified approvals only');

    const bare = await runCli([...queue, 'approve', runId, '1-1', '--by', 'olga']);
    expect(bare).toMatchObject({ code: 1 });
    expect(bare.stderr).toMatch(
      /refused the decision: the org policy requires verified approvals for destructive tools: a decision on .*needs a credential that proves who sends it/,
    );

    const signed = ['--sign-key', keyFile, '--key-id', 'olga-1'];
    // Olga's key vouches for olga only: signed in someone else's name, the decision proves nothing.
    const impostor = await runCli([...queue, 'approve', runId, '1-1', '--by', 'mallory', ...signed]);
    expect(impostor).toMatchObject({ code: 1 });
    expect(impostor.stderr).toContain('the credential does not prove mallory: key "olga-1" belongs to "olga"');

    const approved = await runCli([...queue, 'approve', runId, '1-1', '--by', 'olga', ...signed, '--reason', 'stale']);
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.stdout).toContain(`Approved 1-1 (delete_file) on run ${runId} as olga.`);

    expect(await runCli([...queue, 'result', runId])).toMatchObject({ code: 0, stdout: 'Deleted old.log.\n' });
    const status = await runCli([...queue, 'status', runId]);
    expect(status).toMatchObject({ code: 0 });
    expect(status.stdout).toMatch(/1-1 {2}delete_file {2}approve by olga via update at \S+: stale/);
    expect(status.stdout).toContain('verified by approver key: subject olga, key olga-1');
  });
});
