import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { promises as fs, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { stringify } from 'yaml';
import { runDirectoryName } from '../../activities/tools/workspace';
import type { ChatRequestBody, ScriptTurn } from '../../testing/scripted-model';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { waitForState, withReins } from '../helpers/harness';
import { startOidcProvider, TEST_AUDIENCE } from '../helpers/oidc-provider';

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

/** The types of the history events whose encoded form holds `secret` anywhere (payloads included). */
async function eventsHolding(handle: WorkflowHandle, secret: string): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((event) => Buffer.from(temporal.api.history.v1.HistoryEvent.encode(event).finish()).includes(secret))
    .map((event) => temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? 'unknown');
}

test('tokens from the identity provider: reins start and reins approve --token-file; only the evidence stays in reins state', async () => {
  const idp = await startOidcProvider({ alice: { groups: [] }, olga: { groups: ['approvers'] } });
  try {
    const corp = {
      name: 'corp',
      issuer: idp.issuer,
      audience: TEST_AUDIENCE,
      jwksUrl: idp.jwksUrl,
      rolesClaim: 'groups',
      roleMap: { approvers: 'ops' },
    };
    const jwtPolicy = path.join(dir, 'jwt-policy.yaml');
    writeFileSync(
      jwtPolicy,
      stringify({
        identity: { providers: [corp], requester: 'required' },
        org: { approvals: { verified: { classes: ['destructive'] } } },
      }),
    );
    const aliceToken = await idp.tokenFor('alice');
    const olgaToken = await idp.tokenFor('olga');
    const aliceFile = path.join(dir, 'alice.jwt');
    const olgaFile = path.join(dir, 'olga.jwt');
    writeFileSync(aliceFile, `${aliceToken}\n`);
    writeFileSync(olgaFile, `${olgaToken}\n`);

    await withReins({ script: deleteThenReport, policyFile: jwtPolicy }, async (context) => {
      const queue = ['--task-queue', context.taskQueue];
      const runId = `cli-jwt-${randomUUID().slice(0, 8)}`;
      const start = ['start', CLERK, 'Delete old.log', '--user', 'alice', '--id', runId];
      // requester: required: without a token the run ends at its start, refused.
      expect(await runCli([...queue, ...start])).toMatchObject({ code: 0 });
      const refused = await context.reins.result(runId);
      expect(refused.status).toBe('failed');
      expect(JSON.stringify(refused)).toMatch(/IdentityRefused.*requires a credential that proves the run's userId/);
      const started = await runCli([...queue, ...start.slice(0, -1), `${runId}-2`], {
        REINS_REQUESTER_TOKEN_FILE: aliceFile,
      });
      expect(started).toMatchObject({ code: 0 });
      const id = `${runId}-2`;
      const state = await waitForState(context.reins, id, (s) => s.status === 'awaiting_approval' && s);
      expect(state.identity?.evidence).toMatchObject({ kind: 'jwt', provider: 'corp', subject: 'alice' });

      const approved = await runCli([...queue, 'approve', id, '1-1', '--by', 'olga', '--token-file', olgaFile]);
      expect(approved).toMatchObject({ code: 0 });
      expect(approved.stdout + approved.stderr).not.toContain(olgaToken);

      const result = await context.reins.result(id);
      expect(result.decisions[0]?.evidence).toMatchObject({
        kind: 'jwt',
        provider: 'corp',
        issuer: idp.issuer,
        subject: 'olga',
        userId: 'olga',
        digest: expect.stringMatching(/^[0-9a-f]{64}$/),
        roles: [{ claim: 'groups', value: 'approvers', role: 'ops' }],
      });
      const status = await runCli([...queue, 'status', id]);
      const evidenceLine = /verified by corp \((\S+)\): subject olga, key \S+ · roles ops from groups=approvers/;
      expect(evidenceLine.exec(status.stdout)?.[1]).toBe(idp.issuer);
      const audit = await runCli([...queue, 'audit', id]);
      expect(audit).toMatchObject({ code: 0 });
      for (const token of [aliceToken, olgaToken]) {
        expect(JSON.stringify(await context.reins.getState(id))).not.toContain(token);
        expect(JSON.stringify(result)).not.toContain(token);
        expect(status.stdout + audit.stdout).not.toContain(token);
      }
      // The history keeps the inputs as sent: the run's start input and the decide update's input hold the tokens.
      const handle = context.temporal.workflow.getHandle(id);
      expect(await eventsHolding(handle, aliceToken)).toEqual(['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED']);
      expect(await eventsHolding(handle, olgaToken)).toEqual(['EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED']);
    });
  } finally {
    await idp.close();
  }
});
