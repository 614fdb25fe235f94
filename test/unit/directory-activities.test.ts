import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { ErrorType } from '../../common/errors';
import type { DirectoryAnswer, DirectoryQuery } from '../../common/identity/directory';
import { DirectoryInvalidError, RolesFileDirectory, type Directory } from '../../activities/identity/directory';
import {
  createDirectoryActivities,
  MAX_DIRECTORY_USER_ID,
  MAX_DIRECTORY_USERS,
} from '../../activities/identity/directory-activities';

const environment = () => new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });

/** A directory that records what it was asked and answers with what the test says. */
function fakeDirectory(answer: (query: DirectoryQuery) => unknown): Directory & { asked: DirectoryQuery[] } {
  const asked: DirectoryQuery[] = [];
  return {
    asked,
    lookup: (query) => {
      asked.push(query);
      return Promise.resolve(answer(query) as DirectoryAnswer);
    },
  };
}

const plainAnswer = (query: DirectoryQuery): DirectoryAnswer => ({
  source: 'test directory 1',
  entries: query.userIds.map((userId) => ({ userId, known: true, roles: ['r'], teams: [] })),
});

async function lookup(directory: Directory | undefined, query: unknown) {
  const { lookupDirectory } = createDirectoryActivities(directory);
  return environment().run(lookupDirectory, query as DirectoryQuery);
}

async function failureOf(directory: Directory, query: DirectoryQuery = { userIds: ['a'], roleDefinitions: false }) {
  const error: unknown = await lookup(directory, query).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('lookupDirectory', () => {
  test('answers undefined when the worker has no directory', async () => {
    expect(await lookup(undefined, { userIds: ['alice'], roleDefinitions: true })).toBeUndefined();
  });

  test("passes a roles file's answer through", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reins-roles-')), 'roles.yaml');
    fs.writeFileSync(file, 'roles: { analyst: {} }\nusers: { ana: [analyst] }\n');
    const answer = await lookup(new RolesFileDirectory(file), { userIds: ['ana'], roleDefinitions: true });
    expect(answer).toMatchObject({
      source: expect.stringMatching(/^roles file [0-9a-f]{12}$/),
      entries: [{ userId: 'ana', known: true, roles: ['analyst'], teams: [] }],
      roleDefinitions: { analyst: {} },
    });
  });

  test('clamps the query: no empty, overlong, repeated or non-string ids, at most MAX_DIRECTORY_USERS', async () => {
    const directory = fakeDirectory(plainAnswer);
    const long = 'x'.repeat(MAX_DIRECTORY_USER_ID + 1);
    const many = Array.from({ length: MAX_DIRECTORY_USERS + 20 }, (_, i) => `u${i}`);
    await lookup(directory, { userIds: ['a', '', long, 'a', 7, null, 'b'], roleDefinitions: 'yes' });
    await lookup(directory, { userIds: many, roleDefinitions: true });
    await lookup(directory, 'not a query');
    expect(directory.asked).toEqual([
      { userIds: ['a', 'b'], roleDefinitions: false },
      { userIds: many.slice(0, MAX_DIRECTORY_USERS), roleDefinitions: true },
      { userIds: [], roleDefinitions: false },
    ]);
  });

  test("keeps only the asked users' entries from an organisation's directory, and definitions only when asked", async () => {
    const directory = fakeDirectory((query) => ({
      source: 'ldap 42',
      entries: [
        { userId: 'mallory', known: true, roles: ['admin'], teams: [] },
        ...plainAnswer(query).entries,
        { userId: 'a', known: true, roles: ['admin'], teams: [] },
      ],
      roleDefinitions: { r: {} },
    }));
    expect(await lookup(directory, { userIds: ['a'], roleDefinitions: false })).toEqual({
      source: 'ldap 42',
      entries: [{ userId: 'a', known: true, roles: ['r'], teams: [] }],
    });
  });

  test('refuses an invalid answer, non-retryably', async () => {
    const failure = await failureOf(
      fakeDirectory(() => ({ source: 'ldap', entries: [{ userId: 'a', roles: 'all' }] })),
    );
    expect(failure.type).toBe(ErrorType.DirectoryInvalid);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/answer is invalid: entries\.0/);
  });

  test('a directory that cannot answer for good fails typed DirectoryInvalid; any other failure is retried', async () => {
    const never = new RolesFileDirectory(path.join(os.tmpdir(), 'reins-no-such-roles-file.yaml'));
    const invalid = await failureOf(never);
    expect(invalid.type).toBe(ErrorType.DirectoryInvalid);
    expect(invalid.nonRetryable).toBe(true);
    expect(invalid.message).toContain('cannot read the roles file');

    const misconfigured = await failureOf({ lookup: () => Promise.reject(new DirectoryInvalidError('no base DN')) });
    expect(misconfigured).toMatchObject({ type: ErrorType.DirectoryInvalid, nonRetryable: true });

    const down = await failureOf({ lookup: () => Promise.reject(new Error('connect ECONNREFUSED')) });
    expect(down).toMatchObject({ type: ErrorType.DirectoryUnavailable, nonRetryable: false });
    expect(down.message).toContain('ECONNREFUSED');

    const own = ApplicationFailure.nonRetryable('locked out', ErrorType.DirectoryInvalid);
    expect(await failureOf({ lookup: () => Promise.reject(own) })).toBe(own);
  });
});
