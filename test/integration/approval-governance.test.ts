import { randomUUID } from 'node:crypto';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { ReinsClient } from '../../client';
import { fileClerkSpec, waitForState, withReins } from '../helpers/harness';

const EventType = temporal.api.enums.v1.EventType;

let stamp = Math.floor(Date.now() / 1000);
/** Writes a YAML file with a fresh mtime, so a worker that re-reads on change sees every version. */
function writeYaml(file: string, value: unknown): string {
  writeFileSync(file, stringify(value));
  stamp += 10;
  utimesSync(file, stamp, stamp);
  return file;
}
const tempFile = (name: string) => path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-governance-')), name);

const ROLES = {
  roles: { ops: {}, security: {}, dev: { classes: ['read'] } },
  users: { olga: ['ops'], otto: ['ops'], sam: ['security'], mike: ['dev'], alice: ['ops'] },
};
const POLICY = { org: { approvals: { quorum: { destructive: 2 }, requesterMayApprove: false } } };
const spec = fileClerkSpec({ approvals: { approvers: { users: [], roles: ['ops', 'security'] } } });
const deletesOnce = [
  { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } },
  { reply: { content: 'done' } },
];

async function taskFailures(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
    .map((event) => event.workflowTaskFailedEventAttributes?.failure?.message ?? 'workflow task failed');
}

async function waitingRun(reins: ReinsClient): Promise<string> {
  const runId = `governed-${randomUUID().slice(0, 8)}`;
  await reins.startRun({ spec, prompt: 'delete a.txt', userId: 'alice' }, { runId });
  await waitForState(reins, runId, (s) => s.pendingApprovals.length === 1, 120_000);
  return runId;
}

describe('approvals the platform governs: directory roles, quorum, separation of duties', () => {
  test('two distinct approvers the directory vouches for now, never the requester; a role taken away stops counting', async () => {
    const rolesFile = writeYaml(tempFile('roles.yaml'), ROLES);
    const policyFile = writeYaml(tempFile('policy.yaml'), POLICY);
    await withReins({ script: deletesOnce, rolesFile, policyFile }, async ({ reins, temporal: client }) => {
      const runId = await waitingRun(reins);
      const decide = (by: string) => reins.decide(runId, { requestId: '1-1', decision: 'approve', by });

      const [pending] = (await reins.listPending({})).filter((run) => run.runId === runId);
      expect(pending?.requests[0]).toMatchObject({ quorum: 2, requesterExcluded: 'alice' });

      await expect(decide('alice')).rejects.toThrow(/alice started this run and may not approve its calls/);
      await expect(decide('mike')).rejects.toThrow(
        /mike may not decide delete_file \(1-1\): approvers are roles ops, security/,
      );
      expect(await decide('olga')).toMatchObject({
        awaiting: { approvals: 1, quorum: 2 },
        approvals: [{ by: 'olga' }],
      });
      await expect(decide('olga')).rejects.toThrow(
        /olga already approved delete_file \(1-1\); it needs 2 distinct approvers/,
      );
      expect((await reins.getState(runId)).status).toBe('awaiting_approval');

      // The directory is asked when the decision arrives: otto lost the ops role since the run started.
      writeYaml(rolesFile, { ...ROLES, users: { ...ROLES.users, otto: ['dev'] } });
      await expect(decide('otto')).rejects.toThrow(/otto may not decide delete_file/);

      expect(await decide('sam')).toMatchObject({ decision: 'approve', by: 'sam' });
      const result = await reins.result(runId);
      expect(result.status).toBe('completed');
      expect(result.identity).toMatchObject({ source: 'directory', userId: 'alice', roles: ['ops'] });
      expect(result.decisions).toEqual([
        expect.objectContaining({
          decision: 'approve',
          by: 'sam',
          approvals: [
            expect.objectContaining({ by: 'olga', roles: ['ops'], via: 'update' }),
            expect.objectContaining({ by: 'sam', roles: ['security'], via: 'update' }),
          ],
        }),
      ]);
      // The tool ran: the workspace is empty, so it reports that there is no such file.
      expect(result.toolCalls).toEqual([
        expect.objectContaining({ tool: 'delete_file', outcome: 'failed', detail: 'no such file: "a.txt"' }),
      ]);
      expect(await taskFailures(client.workflow.getHandle(runId))).toEqual([]);
    });
  });

  test('property: whatever mix of senders, doors and verdicts arrives, the call runs only on a full quorum of authorised others', async () => {
    const rolesFile = writeYaml(tempFile('roles.yaml'), ROLES);
    const policyFile = writeYaml(tempFile('policy.yaml'), POLICY);
    const authorised = new Set(['olga', 'otto', 'sam']);
    const message = fc.record({
      by: fc.constantFrom('olga', 'otto', 'sam', 'mike', 'alice', 'nobody', '__proto__', 'constructor'),
      decision: fc.constantFrom('approve' as const, 'reject' as const),
      door: fc.constantFrom('update' as const, 'signal' as const),
    });
    const script = () => ({ reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } });
    await withReins({ script, rolesFile, policyFile }, async ({ reins, temporal: client }) => {
      await fc.assert(
        fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 6 }), async (messages) => {
          const runId = await waitingRun(reins);
          for (const { by, decision, door } of messages) {
            const sent = { requestId: '1-1', decision, by };
            if (door === 'signal') await reins.decide(runId, sent, { via: 'signal' });
            else await reins.decide(runId, sent).catch(() => undefined);
          }
          // Signals are not confirmed: wait until each has left its trace (ignored, an approval, or the rejection).
          const signals = messages.filter((m) => m.door === 'signal').length;
          const state = await waitForState(reins, runId, (s) => {
            const decided = s.decisions.find((d) => d.requestId === '1-1');
            const votes = [...(s.pendingApprovals[0]?.approvals ?? []), ...(decided?.approvals ?? [])];
            const traces =
              s.ignoredDecisions.length +
              votes.filter((v) => v.via === 'signal').length +
              (decided?.decision === 'reject' && decided.via === 'signal' ? 1 : 0);
            return traces === signals && s;
          });
          const decided = state.decisions.find((d) => d.requestId === '1-1');
          if (decided?.decision === 'approve') {
            const approvers = (decided.approvals ?? []).map((v) => v.by);
            expect(approvers.length).toBeGreaterThanOrEqual(2);
            expect(new Set(approvers).size).toBe(approvers.length);
            for (const by of approvers) expect(authorised.has(by)).toBe(true);
          }
          if (decided?.decision === 'reject') expect(authorised.has(decided.by) || decided.by === 'alice').toBe(true);
          const ran = state.toolCalls.filter((call) => call.callId === '1-1' && call.outcome !== 'rejected');
          if (ran.length > 0) expect(decided?.decision).toBe('approve');
          expect(await taskFailures(client.workflow.getHandle(runId))).toEqual([]);
          await client.workflow.getHandle(runId).terminate('property checked');
        }),
        { numRuns: 8, seed: 20261207, endOnFailure: true },
      );
    });
  });
});
