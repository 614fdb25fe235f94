import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkerConfigError } from '../../common/worker-config-error';
import { createReinsWorker } from '../../worker/create-worker';
import { fileClerkSpec, messagesOf, testWorkerConfig, withReins } from '../helpers/harness';
import { connectNative, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';

function rolesFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-roles-')), 'roles.yaml');
  writeFileSync(file, content);
  return file;
}

const ROLES = `
roles:
  analyst: { classes: [read] }
  ops: {}
users:
  ana: [analyst]
  olga: { roles: [ops], teams: [payments] }
`;

// The file's validation and re-reading are unit-tested (test/unit/roles-directory.test.ts); here the worker reads it.
describe("the worker's roles file", () => {
  test("limits the tools offered to a user's runs", async () => {
    await withReins(
      {
        script: [
          { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'a', content: 'b' } }] } },
          { reply: { content: 'done' } },
        ],
        rolesFile: rolesFile(ROLES),
      },
      async ({ reins, model }) => {
        const result = await reins.result(
          (await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'ana' })).runId,
        );
        const offered = (model.requests[0]!.body as { tools?: Array<{ function: { name: string } }> }).tools ?? [];
        expect(offered.map((t) => t.function.name).sort()).toEqual(['list_files', 'read_file']);
        expect(result.toolCalls).toEqual([expect.objectContaining({ outcome: 'denied' })]);
        expect(messagesOf(model, 1).at(-1)).toMatchObject({
          content: expect.stringContaining('user ana (roles: analyst) may not use write tool write_file'),
        });
      },
    );
  });

  test("gives a user it does not name only its default role, and records each run's identity", async () => {
    const file = rolesFile(ROLES.replace('  ops: {}', '  ops: {}\n  default: { tools: [list_files] }'));
    await withReins(
      { script: [{ reply: { content: 'done' } }, { reply: { content: 'done' } }], rolesFile: file },
      async ({ reins, model }) => {
        const stranger = (await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'stranger' })).runId;
        await reins.result(stranger);
        const offered = (model.requests[0]!.body as { tools?: Array<{ function: { name: string } }> }).tools ?? [];
        expect(offered.map((t) => t.function.name)).toEqual(['list_files']);
        expect((await reins.getState(stranger)).identity).toMatchObject({
          source: 'directory',
          directory: expect.stringMatching(/^roles file [0-9a-f]{12}$/),
          userId: 'stranger',
          known: false,
          roles: ['default'],
          teams: [],
        });

        const olga = (await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'olga', team: 'payments' }))
          .runId;
        await reins.result(olga);
        expect((await reins.getState(olga)).identity).toMatchObject({
          source: 'directory',
          known: true,
          roles: ['ops'],
          teams: ['payments'],
          restricted: true,
        });
      },
    );
  });

  test('refuses runs that bring their own roles, name a user it does not know, or a team the user is not in', async () => {
    await withReins({ script: [], rolesFile: rolesFile(ROLES) }, async ({ reins }) => {
      const refusal = async (input: Partial<Parameters<typeof reins.startRun>[0]>) => {
        const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'p', userId: 'ana', ...input });
        const result = await reins.result(runId);
        expect(result.status).toBe('failed');
        return `${result.lastError?.type}: ${result.lastError?.message}`;
      };
      expect(await refusal({ roles: { ana: ['ops'] } })).toMatch(
        /IdentityRefused: roles: this worker's directory \(roles file [0-9a-f]{12}\) says who holds which role/,
      );
      expect(await refusal({ roleDefinitions: { analyst: {} } })).toMatch(/IdentityRefused: roleDefinitions: /);
      expect(await refusal({ userId: 'stranger' })).toMatch(
        /IdentityRefused: userId: stranger is not in the directory .* which defines no default role/,
      );
      expect(await refusal({ userId: 'olga' })).toMatch(
        /IdentityRefused: team: the directory puts olga in payments; the run is for default/,
      );
    });
  });

  test('a worker refuses to start on a missing or invalid roles file, or on a roles file and a directory at once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-roles-'));
    const config = (rolesFile: string) => ({
      ...testWorkerConfig(uniqueTaskQueue('reins-roles'), 'http://127.0.0.1:9/v1', dir),
      rolesFile,
    });
    const native = await connectNative();
    const start = (rolesFile: string, extra = {}) =>
      createReinsWorker({ config: config(rolesFile), connection: native, workflowBundle: workflowBundle(), ...extra });
    try {
      const bad = rolesFile('users: { bob: [admin] }');
      await expect(start(bad)).rejects.toThrow(
        new WorkerConfigError(`roles file ${bad} is invalid: users.bob: names undefined roles: admin`),
      );
      await expect(start(path.join(dir, 'nope.yaml'))).rejects.toThrow(
        /cannot read the roles file .*nope\.yaml: ENOENT/,
      );
      const directory = { lookup: () => Promise.reject(new Error('unused')) };
      await expect(start(rolesFile(ROLES), { directory })).rejects.toThrow(/use one or the other/);
    } finally {
      await native.close();
    }
  });
});
