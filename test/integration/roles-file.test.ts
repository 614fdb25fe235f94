import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadRolesFile } from '../../client/roles-file';
import { fileClerkSpec, messagesOf, withReins } from '../helpers/harness';

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
  olga: [ops]
`;

describe('the operator roles file', () => {
  test('is validated, naming undefined roles and bad fields', () => {
    expect(loadRolesFile(rolesFile(ROLES))).toEqual({
      roles: { analyst: { classes: ['read'] }, ops: {} },
      users: { ana: ['analyst'], olga: ['ops'] },
    });
    expect(() => loadRolesFile(rolesFile('users: { bob: [admin] }'))).toThrow(
      /users\.bob names undefined roles: admin/,
    );
    expect(() => loadRolesFile(rolesFile('roles: { x: { classes: [everything] } }'))).toThrow(/roles\.x\.classes\.0/);
  });

  test("limits the tools offered to a user's runs", async () => {
    const previous = process.env.REINS_ROLES_FILE;
    process.env.REINS_ROLES_FILE = rolesFile(ROLES);
    try {
      await withReins(
        {
          script: [
            { reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'a', content: 'b' } }] } },
            { reply: { content: 'done' } },
          ],
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
    } finally {
      if (previous === undefined) delete process.env.REINS_ROLES_FILE;
      else process.env.REINS_ROLES_FILE = previous;
    }
  });
});
