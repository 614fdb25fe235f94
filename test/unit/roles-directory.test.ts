import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DirectoryInvalidError, RolesFileDirectory } from '../../activities/identity/directory';
import { readRolesFile } from '../../activities/identity/roles-file';

const versionOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

let file: string;
beforeEach(() => {
  file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reins-roles-')), 'roles.yaml');
});

// Each write moves the mtime on: a same-size rewrite within the clock's grain would otherwise look unchanged.
let tick = 0;
function write(text: string): void {
  fs.writeFileSync(file, text);
  tick += 1;
  const later = new Date(Date.now() + tick * 1000);
  fs.utimesSync(file, later, later);
}

const ROLES = `roles:
  analyst: { classes: [read] }
  ops: { classes: [read, write, destructive] }
users:
  ana: [analyst]
  olga: { roles: [ops, analyst], teams: [payments] }
  tess: { teams: [support] }
`;

const all = { userIds: ['ana', 'olga', 'tess', 'nobody'], roleDefinitions: true };

describe('the roles file', () => {
  test('is validated, naming the file and each bad field', () => {
    const bad = (text: string) => {
      write(text);
      return () => readRolesFile(file);
    };
    expect(bad('users: { bob: [admin] }')).toThrow(
      `roles file ${file} is invalid: users.bob: names undefined roles: admin`,
    );
    expect(bad('roles: { a: {} }\nusers: { bob: { roles: [a, root] } }')).toThrow(
      'users.bob: names undefined roles: root',
    );
    expect(bad('roles: { x: { classes: [everything] } }')).toThrow(/roles\.x\.classes\.0/);
    expect(bad('users: { bob: 3 }')).toThrow('users.bob: expected one of an array, or an object');
    expect(bad('users: { bob: { roles: [], team: [x] } }')).toThrow(/users\.bob.*"team"/);
    expect(bad('groups: {}')).toThrow(/"groups"/);
    expect(bad('users:\n  __proto__: []\n')).toThrow('users.__proto__: not a usable name');
    expect(bad('roles: [')).toThrow(`cannot read the roles file ${file}`);
  });

  test('reads both user forms, and is versioned by its content', () => {
    write(ROLES);
    const loaded = readRolesFile(file);
    expect(loaded.version).toBe(versionOf(ROLES));
    expect(loaded.users.get('ana')).toEqual({ roles: ['analyst'], teams: [] });
    expect(loaded.users.get('olga')).toEqual({ roles: ['ops', 'analyst'], teams: ['payments'] });
    expect(loaded.users.get('tess')).toEqual({ roles: [], teams: ['support'] });
  });
});

describe('RolesFileDirectory', () => {
  test('answers for known and unknown users, with role definitions only when asked', async () => {
    write(ROLES);
    const directory = new RolesFileDirectory(file);
    const answer = await directory.lookup(all);
    expect(answer).toEqual({
      source: `roles file ${versionOf(ROLES)}`,
      entries: [
        { userId: 'ana', known: true, roles: ['analyst'], teams: [] },
        { userId: 'olga', known: true, roles: ['ops', 'analyst'], teams: ['payments'] },
        { userId: 'tess', known: true, roles: [], teams: ['support'] },
        { userId: 'nobody', known: false, roles: [], teams: [] },
      ],
      roleDefinitions: { analyst: { classes: ['read'] }, ops: { classes: ['read', 'write', 'destructive'] } },
    });
    expect(await directory.lookup({ userIds: ['ana'], roleDefinitions: false })).not.toHaveProperty('roleDefinitions');
  });

  test('gives users it does not name the default role when the file defines one', async () => {
    write(`${ROLES.replace('users:', '  default: { tools: [read_file] }\nusers:')}`);
    const answer = await new RolesFileDirectory(file).lookup({ userIds: ['nobody', 'ana'], roleDefinitions: true });
    expect(answer.entries).toEqual([
      { userId: 'nobody', known: false, roles: ['default'], teams: [] },
      { userId: 'ana', known: true, roles: ['analyst'], teams: [] },
    ]);
    expect(answer.roleDefinitions?.default).toEqual({ tools: ['read_file'] });
  });

  test('re-reads the file when it changes, and keeps the last good version marked stale when it turns bad', async () => {
    write(ROLES);
    const directory = new RolesFileDirectory(file);
    const ask = () => directory.lookup({ userIds: ['ana'], roleDefinitions: false });
    expect((await ask()).entries[0]!.roles).toEqual(['analyst']);

    const second = ROLES.replace('ana: [analyst]', 'ana: [ops]');
    write(second);
    expect(await ask()).toEqual({
      source: `roles file ${versionOf(second)}`,
      entries: [{ userId: 'ana', known: true, roles: ['ops'], teams: [] }],
    });

    write(ROLES.replace('ana: [analyst]', 'ana: [admin]'));
    const stale = await ask();
    expect(stale.source).toBe(`roles file ${versionOf(second)}`);
    expect(stale.entries[0]!.roles).toEqual(['ops']);
    expect(stale.stale).toBe(`roles file ${file} is invalid: users.ana: names undefined roles: admin`);

    fs.rmSync(file);
    expect((await ask()).stale).toContain(`cannot read the roles file ${file}`);

    write(ROLES);
    expect(await ask()).toEqual({
      source: `roles file ${versionOf(ROLES)}`,
      entries: [{ userId: 'ana', known: true, roles: ['analyst'], teams: [] }],
    });
  });

  test('refuses to answer while the file has never been valid', async () => {
    const directory = new RolesFileDirectory(file);
    expect(() => directory.check()).toThrow(DirectoryInvalidError);
    await expect(directory.lookup(all)).rejects.toThrow(`cannot read the roles file ${file}`);
    write('users: { bob: [admin] }');
    await expect(directory.lookup(all)).rejects.toBeInstanceOf(DirectoryInvalidError);
    write(ROLES);
    expect((await directory.lookup(all)).entries).toHaveLength(4);
  });

  test('treats user ids and role names that a plain object would answer from its prototype as plain names', async () => {
    write(`roles:
  constructor: { tools: [read_file] }
  toString: {}
users:
  constructor: [constructor]
  hasOwnProperty: { roles: [toString], teams: [valueOf] }
`);
    const directory = new RolesFileDirectory(file);
    const answer = await directory.lookup({
      userIds: ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf', 'prototype'],
      roleDefinitions: true,
    });
    expect(answer.entries).toEqual([
      { userId: '__proto__', known: false, roles: [], teams: [] },
      { userId: 'constructor', known: true, roles: ['constructor'], teams: [] },
      { userId: 'hasOwnProperty', known: true, roles: ['toString'], teams: ['valueOf'] },
      { userId: 'toString', known: false, roles: [], teams: [] },
      { userId: 'valueOf', known: false, roles: [], teams: [] },
      { userId: 'prototype', known: false, roles: [], teams: [] },
    ]);
    expect(Object.keys(answer.roleDefinitions ?? {})).toEqual(['constructor', 'toString']);
    expect(Object.hasOwn(answer.roleDefinitions ?? {}, 'constructor')).toBe(true);
  });

  test('property: any user id is answered for itself alone, never with another user roles, and never throws', async () => {
    write(`roles:
  analyst: { classes: [read] }
  ops: {}
  default: { tools: [read_file] }
users:
  ana: [analyst]
  olga: { roles: [ops], teams: [payments] }
  constructor: [ops]
`);
    const directory = new RolesFileDirectory(file);
    const held = new Map([
      ['ana', ['analyst']],
      ['olga', ['ops']],
      ['constructor', ['ops']],
    ]);
    const ids = fc.oneof(
      fc.string(),
      fc.constantFrom('ana', 'olga', 'constructor', '__proto__', 'toString', 'ANA', 'ana ', ' olga', 'ana\u0000'),
      fc.string({ unit: 'grapheme' }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(ids, { maxLength: 8 }), async (userIds) => {
        const answer = await directory.lookup({ userIds, roleDefinitions: false });
        expect(answer.entries.map((entry) => entry.userId)).toEqual(userIds);
        for (const entry of answer.entries) {
          const own = held.get(entry.userId);
          expect(entry).toEqual(
            own
              ? { userId: entry.userId, known: true, roles: own, teams: entry.userId === 'olga' ? ['payments'] : [] }
              : { userId: entry.userId, known: false, roles: ['default'], teams: [] },
          );
        }
      }),
    );
  });
});
