import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { sandboxSettings } from '../../activities';
import { PolicyViolationError } from '../../client/errors';
import { ReinsClient } from '../../client';
import { auditRun } from '../../client/audit';
import { AgentSpecSchema } from '../../common/agent-spec';
import { explainPolicy } from '../../common/policy/explain';
import type { RunResult } from '../../common/run-state';
import { ReinsTeam } from '../../common/search-attributes';
import type { ScriptFn } from '../../testing/scripted-model';
import { fixtureServerSpec, readCallLog, scratchDir } from '../fixtures/mcp/specs';
import { runCli } from '../helpers/cli';
import { fileClerkSpec, testWorkerConfig, waitForState, withReins } from '../helpers/harness';
import { connectNative, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';
import { WorkerConfigError } from '../../common/worker-config-error';
import { createReinsWorker } from '../../worker/create-worker';

let stamp = 1_700_000_000;

/** Writes a policy file; each write gets a later mtime, so a worker sees every change however fast they come. */
function writePolicy(file: string, policy: unknown): string {
  writeFileSync(file, stringify(policy));
  stamp += 10;
  utimesSync(file, stamp, stamp);
  return file;
}

function policyFile(policy: unknown): string {
  return writePolicy(path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-policy-')), 'policy.yaml'), policy);
}

/** A model that asks for `tool` once with `args`, then answers. */
const callsOnce =
  (tool: string, args: Record<string, unknown>): ScriptFn =>
  (_request, turn) =>
    turn === 0 ? { reply: { toolCalls: [{ name: tool, arguments: args }] } } : { reply: { content: 'done' } };

/** A model that lists files forever: only a budget stops it. */
const busy: ScriptFn = () => ({ reply: { toolCalls: [{ name: 'list_files', arguments: {} }] } });

async function failedRun(reins: ReinsClient, runId: string): Promise<RunResult> {
  const result = await reins.result(runId);
  expect(result.status).toBe('failed');
  return result;
}

describe('platform policy: org rules hold when the agent spec is silent', () => {
  test('budget ceilings and tool classes: maxSteps from the org, writes wait for approval, org approvers decide', async () => {
    const file = policyFile({
      org: {
        budget: { maxSteps: 3 },
        classes: { write: 'approval' },
        approvals: { approvers: { users: ['sec-lead'] } },
      },
    });
    const script: ScriptFn = (_request, turn) =>
      turn === 0
        ? { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'x' } }] } }
        : { reply: { toolCalls: [{ name: 'list_files', arguments: {} }] } };
    await withReins({ script, policyFile: file }, async ({ reins }) => {
      const spec = fileClerkSpec({ maxSteps: undefined });
      const { runId } = await reins.startRun({ spec, prompt: 'p', userId: 'alice' });
      const request = await waitForState(reins, runId, (s) => s.pendingApprovals[0]);
      expect(request.rule).toBe('org policy: write tools need approval');
      expect(request.requiredApprovers).toEqual([{ source: 'org', approvers: { users: ['sec-lead'], roles: [] } }]);
      // The spec names no approvers, but the org's group is required all the same.
      await expect(
        reins.decide(runId, { requestId: request.requestId, decision: 'approve', by: 'bob' }),
      ).rejects.toThrow(/bob may not decide write_file .*required by the org policy/);
      await reins.decide(runId, { requestId: request.requestId, decision: 'approve', by: 'sec-lead' });
      const result = await reins.result(runId);
      expect(result.status).toBe('budget_exhausted');
      expect(result.reason).toBe('maxSteps budget of 3 model calls used up');
      expect(result.policy?.budget.maxSteps).toEqual({ value: 3, source: 'org' });
      expect(result.toolCalls[0]).toMatchObject({ tool: 'write_file', outcome: 'succeeded' });
    });
  });

  test('tools the org denies are neither offered to the model nor run; a spec naming one is refused', async () => {
    const file = policyFile({ org: { tools: { deny: ['delete_*', 'fixture.delete_*'] } } });
    const dir = scratchDir();
    const server = fixtureServerSpec(dir);
    const script = callsOnce('fixture__delete_item', { id: 'a' });
    await withReins({ script, policyFile: file }, async ({ reins, model }) => {
      const spec = fileClerkSpec({ tools: [{ name: 'list_files' }], mcpServers: [server] });
      const result = await reins.result((await reins.startRun({ spec, prompt: 'p', userId: 'u' })).runId);
      expect(result.toolCalls[0]).toMatchObject({ tool: 'fixture__delete_item', outcome: 'denied' });
      expect(result.toolCalls[0]?.detail).toContain(
        "fixture.delete_item is on the org policy's deny list (fixture.delete_*)",
      );
      const offered = ((model.requests[0]?.body as { tools?: Array<{ function: { name: string } }> }).tools ?? []).map(
        (t) => t.function.name,
      );
      expect(offered).toContain('fixture__get_item');
      expect(offered).not.toContain('fixture__delete_item');
      expect(readCallLog(dir).map((c) => c.tool)).not.toContain('delete_item');
    });
    await withReins({ script: busy, policyFile: file }, async ({ reins, model }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u' });
      const result = await failedRun(reins, runId);
      expect(result.lastError?.type).toBe('PolicyViolation');
      expect(result.reason).toContain(
        'tools.deny: the org policy sets deny delete_*; spec.tools.3.name asks for delete_file',
      );
      expect(model.requests).toHaveLength(0);
    });
  });

  test('a code tool is refused on a worker without a sandbox when the org requires one', async () => {
    const file = policyFile({ org: { sandbox: { codeTools: 'required' } } });
    const script = callsOnce('run_code', { language: 'sh', code: 'echo hi' });
    await withReins(
      { script, policyFile: file, sandbox: sandboxSettings({ mode: 'unsafe-host' }) },
      async ({ reins, model }) => {
        const spec = fileClerkSpec({ tools: [{ name: 'run_code', approval: 'always' }] });
        const result = await reins.result((await reins.startRun({ spec, prompt: 'p', userId: 'u' })).runId);
        expect(result.toolCalls[0]).toMatchObject({ tool: 'run_code', outcome: 'denied' });
        expect(result.toolCalls[0]?.detail).toContain('the org policy requires a sandbox for code tools');
        const offered = (model.requests[0]?.body as { tools?: unknown[] }).tools ?? [];
        expect(offered).toHaveLength(0);
      },
    );
  });

  test('an approval gate waits no longer than the org maximum', async () => {
    const file = policyFile({ org: { approvals: { maxTimeout: '2s' } } });
    await withReins({ script: callsOnce('delete_file', { path: 'a.txt' }), policyFile: file }, async ({ reins }) => {
      const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u' });
      const result = await reins.result(runId);
      expect(result.decisions[0]).toMatchObject({
        decision: 'reject',
        by: 'reins:timeout',
        reason: 'no decision within 2s',
      });
      expect(result.policy?.approvalTimeout).toEqual({ value: 2000, source: 'org' });
    });
  });

  test('models and MCP servers outside the org lists refuse the run before anything starts', async () => {
    const file = policyFile({
      org: { models: { allow: ['default/gpt-4o*'] }, mcpServers: { allow: ['https://mcp.internal.example/*'] } },
    });
    await withReins({ script: busy, policyFile: file }, async ({ reins, model }) => {
      const spec = fileClerkSpec({
        mcpServers: [{ name: 'local', transport: 'stdio', command: 'node', args: ['server.js'] }],
      });
      const result = await failedRun(reins, (await reins.startRun({ spec, prompt: 'p', userId: 'u' })).runId);
      expect(result.reason).toContain(
        'models.allow: the org policy sets an allow list without it; spec.model.name asks for default/scripted-1',
      );
      expect(result.reason).toContain(
        'mcpServers.allow: the org policy sets an allow list without it; spec.mcpServers.0 asks for local (node server.js)',
      );
      expect(model.requests).toHaveLength(0);
    });
  });

  test("a per-user daily spend cap from the org stops a user's runs", async () => {
    const file = policyFile({ org: { dailySpendUsd: 0.000001 } });
    const script: ScriptFn = () => ({
      reply: {
        toolCalls: [{ name: 'list_files', arguments: {} }],
        usage: { promptTokens: 1000, completionTokens: 100 },
      },
    });
    await withReins({ script, policyFile: file }, async ({ reins }) => {
      const spec = fileClerkSpec();
      const prices = { 'scripted-1': { input: 1, output: 10 } };
      const userId = `spender-${Date.now()}`;
      const result = await reins.result((await reins.startRun({ spec, prompt: 'p', userId, prices })).runId);
      expect(result.status).toBe('budget_exhausted');
      expect(result.reason).toMatch(new RegExp(`daily spend cap of \\$0.000001 for ${userId} reached`));
      expect(result.policy?.dailySpendUsd).toEqual({ value: 0.000001, source: 'org' });
    });
  });
});

describe('platform policy: tighten, never loosen', () => {
  const file = () =>
    policyFile({
      org: { budget: { maxSteps: 10, maxCostUsd: 5 }, classes: { destructive: 'approval' } },
      teams: { payments: { budget: { maxCostUsd: 1 }, members: ['alice'] } },
    });

  test('loosening is refused at start, by the worker and (with the file at hand) by the client, naming each rule', async () => {
    const policy = file();
    await withReins({ script: busy, policyFile: policy }, async ({ reins, taskQueue, temporal }) => {
      const prices = { 'scripted-1': { input: 1, output: 10 } };
      const spec = fileClerkSpec({
        maxSteps: 50,
        budget: { maxCostUsd: 2 },
        policy: { classes: { destructive: 'allow' } },
        tools: [{ name: 'delete_file', approval: 'never' }],
      });
      const { runId } = await reins.startRun({ spec, prompt: 'p', userId: 'alice', team: 'payments', prices });
      const result = await failedRun(reins, runId);
      expect(result.lastError?.type).toBe('PolicyViolation');
      for (const expected of [
        'budget.maxSteps: the org policy sets a ceiling of 10; spec.maxSteps asks for 50',
        'budget.maxCostUsd: the team payments policy sets a ceiling of $1; spec.budget.maxCostUsd asks for $2',
        'classes.destructive: the org policy sets approval for every destructive call; spec.policy.classes.destructive asks for allow',
      ]) {
        expect(result.reason).toContain(expected);
      }

      const checked = new ReinsClient(temporal, { taskQueue, policyFile: policy });
      const refused = await checked
        .startRun({ spec, prompt: 'p', userId: 'alice', team: 'payments', prices })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(PolicyViolationError);
      expect((refused as PolicyViolationError).violations).toContain(
        'classes.destructive: the org policy sets approval for every destructive call; spec.tools.0.approval asks for approval: never',
      );
      // Non-members of a team with a member list, and unknown teams, are refused too.
      const outsider = await checked
        .startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'mallory', team: 'payments' })
        .catch((e: unknown) => e);
      expect(String(outsider)).toContain(
        'members: the team payments policy sets members alice; userId asks for mallory',
      );
      const unknown = await checked
        .startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'u', team: 'nope' })
        .catch((e: unknown) => e);
      expect(String(unknown)).toContain('teams: the org policy sets the teams payments; team asks for nope');
    });
  });

  test('tightening is accepted: the stricter value applies and says where it came from', async () => {
    await withReins({ script: busy, policyFile: file() }, async ({ reins }) => {
      const spec = fileClerkSpec({ maxSteps: 2, policy: { classes: { write: 'approval' } } });
      // A cost ceiling needs the model's price; without one the run is refused (the previous test's last run).
      const prices = { 'scripted-1': { input: 1, output: 10 } };
      const { runId } = await reins.startRun({ spec, prompt: 'p', userId: 'alice', team: 'payments', prices });
      const result = await reins.result(runId);
      expect(result.status).toBe('budget_exhausted');
      expect(result.usage.modelCalls).toBe(2);
      expect(result.policy?.budget.maxSteps).toEqual({ value: 2, source: 'agent spec' });
      expect(result.policy?.classes.write).toEqual({ value: 'approval', source: 'agent spec' });
      expect(result.policy?.budget.maxCostUsd).toEqual({ value: 1, source: 'team payments' });
    });
  });
});

describe('platform policy: explain, changes, apply and teams', () => {
  test('explain prints what a run enforces; a change waits for `policy apply`, which is recorded', async () => {
    const file = policyFile({ org: { budget: { maxSteps: 6 }, tools: { deny: ['write_*'] } }, teams: { ops: {} } });
    const agentFile = path.join(path.dirname(file), 'agent.yaml');
    writeFileSync(
      agentFile,
      stringify({
        ...fileClerkSpec({ tools: [{ name: 'list_files' }, { name: 'delete_file' }] }),
        maxSteps: undefined,
        team: 'ops',
      }),
    );
    const script: ScriptFn = (_request, turn) =>
      turn === 0
        ? { reply: { toolCalls: [{ name: 'delete_file', arguments: { path: 'a.txt' } }] } }
        : { reply: { toolCalls: [{ name: 'list_files', arguments: {} }] } };
    await withReins({ script, policyFile: file }, async ({ reins, taskQueue, temporal }) => {
      const explained = await runCli(['policy', 'explain', agentFile, '--user', 'alice', '--json'], {
        REINS_POLICY_FILE: file,
      });
      expect(explained.code).toBe(0);
      const explanation = JSON.parse(explained.stdout) as { rules: unknown[]; team: string; version: string };
      expect(explanation.team).toBe('ops');

      const spec = AgentSpecSchema.parse({
        ...fileClerkSpec({ tools: [{ name: 'list_files' }, { name: 'delete_file' }] }),
        maxSteps: undefined,
        team: 'ops',
      });
      const { runId } = await reins.startRun({ spec, prompt: 'p', userId: 'alice' });
      const paused = await waitForState(reins, runId, (s) => (s.pendingApprovals.length ? s : undefined));
      expect(explainPolicy(paused.policy!)).toEqual(explanation.rules);
      expect(paused.policy?.version).toBe(explanation.version);
      expect(paused.limits.maxSteps).toBe(6);

      // The platform team tightens the policy: new runs get it at once...
      writePolicy(file, { org: { budget: { maxSteps: 2 }, tools: { deny: ['write_*'] } }, teams: { ops: {} } });
      const next = await reins.startRun({ spec, prompt: 'p', userId: 'alice' });
      const fresh = await waitForState(reins, next.runId, (s) => (s.policy ? s : undefined));
      expect(fresh.policy?.budget.maxSteps).toEqual({ value: 2, source: 'org' });
      expect(fresh.policy?.version).not.toBe(explanation.version);
      // ...while the running run keeps the rules it started with.
      const unchanged = await reins.getState(runId);
      expect(unchanged.limits.maxSteps).toBe(6);
      expect(unchanged.policy?.version).toBe(explanation.version);

      const applied = await runCli([
        'policy',
        'apply',
        runId,
        '--by',
        'ops-lead',
        '--reason',
        'tighten',
        '--json',
        '--task-queue',
        taskQueue,
      ]);
      expect(applied.code).toBe(0);
      const { change } = JSON.parse(applied.stdout) as { change: { changes: string[]; toVersion: string } };
      expect(change.changes).toContain('budget.maxSteps: 6 (org) -> 2 (org)');
      expect(change.toVersion).toBe(fresh.policy?.version);
      const after = await reins.getState(runId);
      expect(after.limits.maxSteps).toBe(2);
      expect(after.policyChanges).toEqual([
        expect.objectContaining({ by: 'ops-lead', reason: 'tighten', fromVersion: explanation.version, step: 1 }),
      ]);

      await reins.decide(runId, { requestId: paused.pendingApprovals[0]!.requestId, decision: 'approve', by: 'ops' });
      const result = await reins.result(runId);
      expect(result.status).toBe('budget_exhausted');
      expect(result.reason).toBe('maxSteps budget of 2 model calls used up');

      const audit = await auditRun(reins, runId);
      expect(audit.filter((r) => r.kind === 'policy' || r.kind === 'policy_change')).toEqual([
        expect.objectContaining({ kind: 'policy', team: 'ops', version: explanation.version }),
        expect.objectContaining({
          kind: 'policy_change',
          by: 'ops-lead',
          reason: 'tighten',
          toVersion: change.toVersion,
        }),
      ]);

      // Every run carries its team, as a search attribute the list filters on.
      const other = await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'bob' });
      await reins.result(other.runId);
      const described = await temporal.workflow.getHandle(runId).describe();
      expect(described.typedSearchAttributes.get(ReinsTeam)).toBe('ops');
      let listed: string[] = [];
      for (let i = 0; i < 100 && !listed.includes(runId); i += 1) {
        const out = await runCli(['list', '--team', 'ops', '--json', '--limit', '50']);
        listed = (JSON.parse(out.stdout) as Array<{ runId: string }>).map((r) => r.runId);
        if (!listed.includes(runId)) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(listed).toContain(runId);
      expect(listed).not.toContain(other.runId);
      const usage = await runCli(['usage', '--by', 'team', '--team', 'ops', '--json']);
      const rows = JSON.parse(usage.stdout) as Array<{ key: string; runs: number }>;
      expect(rows.map((r) => r.key)).toEqual(['ops']);
    });
  });

  test("an applied policy's new duration limit and model list take effect in the running run", async () => {
    const file = policyFile({ org: {} });
    await withReins({ script: callsOnce('delete_file', { path: 'a.txt' }), policyFile: file }, async ({ reins }) => {
      const spec = fileClerkSpec();
      const timed = (await reins.startRun({ spec, prompt: 'p', userId: 'u' })).runId;
      const forbidden = (await reins.startRun({ spec, prompt: 'p', userId: 'u' })).runId;
      for (const runId of [timed, forbidden]) await waitForState(reins, runId, (s) => s.pendingApprovals.length > 0);

      // The run had no duration limit; a limit its age already passes ends it as soon as it is applied.
      writePolicy(file, { org: { budget: { maxDuration: '1s' } } });
      const change = await reins.applyPolicy(timed, { by: 'ops' });
      expect(change.changes).toContain('budget.maxDuration: no limit (default) -> 1s (org)');
      const ended = await reins.result(timed);
      expect(ended.status).toBe('budget_exhausted');
      expect(ended.reason).toMatch(/maxDuration/);
      expect(ended.decisions[0]).toMatchObject({ decision: 'reject', by: 'reins:budget' });

      // A model the new policy forbids ends the run at its next step, with the rule named.
      writePolicy(file, { org: { models: { allow: ['default/gpt-4o*'] } } });
      const refused = await reins.applyPolicy(forbidden, { by: 'ops', reason: 'model retired' });
      expect(refused.overridden).toEqual([
        'models.allow: the org policy sets an allow list without it; spec.model.name asks for default/scripted-1',
      ]);
      await reins.decide(forbidden, { requestId: '1-1', decision: 'approve', by: 'ops' });
      const result = await failedRun(reins, forbidden);
      expect(result.lastError?.type).toBe('PolicyViolation');
      expect(result.usage.modelCalls).toBe(1);
      // A run that has ended keeps its policy: applying is refused with the reason.
      await expect(reins.applyPolicy(forbidden, { by: 'ops' })).rejects.toThrow(/has already ended \(failed\)/);
    });
  });

  test('a worker refuses to start on a missing or invalid policy file, naming the problem', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-policy-'));
    const config = (policyFile: string) => ({
      ...testWorkerConfig(uniqueTaskQueue('reins-policy'), 'http://127.0.0.1:9/v1', dir),
      policyFile,
    });
    const native = await connectNative();
    try {
      const bad = policyFile({ org: { budget: { maxSteps: 5 } }, teams: { ops: { budget: { maxSteps: 9 } } } });
      await expect(
        createReinsWorker({ config: config(bad), connection: native, workflowBundle: workflowBundle() }),
      ).rejects.toThrow(
        new WorkerConfigError(
          `platform policy ${bad} is invalid: teams.ops.budget.maxSteps: may only lower the org ceiling of 5, not raise it to 9`,
        ),
      );
      const missing = path.join(dir, 'nope.yaml');
      await expect(
        createReinsWorker({ config: config(missing), connection: native, workflowBundle: workflowBundle() }),
      ).rejects.toThrow(/cannot read the platform policy .*nope\.yaml: ENOENT/);
    } finally {
      await native.close();
    }
  });

  test('an invalid change to the file keeps the last good version in force, and new runs say so', async () => {
    const file = policyFile({ org: { budget: { maxSteps: 4 } } });
    await withReins({ script: callsOnce('list_files', {}), policyFile: file }, async ({ reins }) => {
      const first = await reins.result(
        (await reins.startRun({ spec: fileClerkSpec({ maxSteps: undefined }), prompt: 'p', userId: 'u' })).runId,
      );
      writePolicy(file, { org: { budget: { maxSteps: 'many' } } });
      const second = await reins.result(
        (await reins.startRun({ spec: fileClerkSpec({ maxSteps: undefined }), prompt: 'p', userId: 'u' })).runId,
      );
      expect(second.policy?.version).toBe(first.policy?.version);
      expect(second.policy?.budget.maxSteps).toEqual({ value: 4, source: 'org' });
      expect(second.warnings.join('\n')).toMatch(
        new RegExp(
          `the platform policy file is invalid \\(platform policy .* is invalid: org\\.budget\\.maxSteps: .*\\); this run started under its last good version ${first.policy?.version}`,
        ),
      );
      const validate = await runCli(['policy', 'validate', file]);
      expect(validate.code).toBe(2);
      expect(validate.stderr).toContain('org.budget.maxSteps');
    });
  });

  test('the CLI: per-run limits, refusal before start with the policy at hand, and validating a file', async () => {
    const file = policyFile({ org: { budget: { maxSteps: 6 } }, teams: { ops: {} } });
    const agentFile = path.join(path.dirname(file), 'agent.yaml');
    writeFileSync(agentFile, stringify(fileClerkSpec({ maxSteps: undefined })));
    await withReins({ script: busy, policyFile: file }, async ({ taskQueue }) => {
      const queue = ['--task-queue', taskQueue];
      const lowered = await runCli([...queue, 'start', agentFile, 'p', '--max-steps', '2', '--wait', '--json']);
      expect(JSON.parse(lowered.stdout)).toMatchObject({ status: 'budget_exhausted', limits: { maxSteps: 2 } });

      // Asking for more than the policy allows: with the file at hand the CLI refuses before anything starts.
      const env = { REINS_POLICY_FILE: file };
      const refused = await runCli([...queue, 'start', agentFile, 'p', '--max-steps', '9', '--team', 'ops'], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('budget.maxSteps: the org policy sets a limit of 6; budget.maxSteps asks for 9');

      const valid = await runCli(['policy', 'validate', file, '--json']);
      expect(valid.code).toBe(0);
      expect(JSON.parse(valid.stdout)).toMatchObject({
        teams: ['ops'],
        version: expect.stringMatching(/^[0-9a-f]{12}$/),
      });
    });
  });

  test('explain exits 1 and lists what a run would be refused for', async () => {
    const file = policyFile({ org: { budget: { maxSteps: 5 } } });
    const agentFile = path.join(path.dirname(file), 'agent.yaml');
    writeFileSync(agentFile, stringify(fileClerkSpec({ maxSteps: 9 })));
    const out = await runCli(['policy', 'explain', agentFile, '--user', 'u', '--policy', file]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/budget\.maxSteps\s+5\s+org/);
    expect(out.stdout).toContain('budget.maxSteps: the org policy sets a ceiling of 5; spec.maxSteps asks for 9');
  });
});
