import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { argsDigest, canonicalJson } from '../../common/canonical-json';
import {
  chainTrail,
  genesisHash,
  loadPublicKey,
  loadSigningKey,
  trailJsonl,
  type TrailHead,
} from '../../client/audit-chain';
import { compareWithHistory } from '../../client/audit-compare';
import { readTrailFile, verifyTrail } from '../../client/audit-verify';

const RUN = 'run-1';
const records = [
  { at: '2026-01-01T00:00:00.000Z', runId: RUN, kind: 'policy', team: 'default', step: 0 },
  { at: '2026-01-01T00:00:01.000Z', runId: RUN, kind: 'approval_request', requestId: '1-1', args: { path: 'a' } },
  { at: '2026-01-01T00:00:02.000Z', runId: RUN, kind: 'approval_decision', requestId: '1-1', approver: 'olga' },
  { at: '2026-01-01T00:00:03.000Z', runId: RUN, kind: 'tool_call', callId: '1-1', tool: 'delete_file', outcome: 'ok' },
];
const keys = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');

const exported = (options: { signed?: boolean; of?: object[] } = {}) =>
  trailJsonl(
    chainTrail(options.of ?? records, RUN, {
      exportedAt: '2026-01-02T00:00:00.000Z',
      ...(options.signed ? { signingKey: keys.privateKey } : {}),
    }),
  );
const linesOf = (text: string) => text.trimEnd().split('\n');
const fileOf = (lines: string[]) => Buffer.from(lines.map((line) => `${line}\n`).join(''));
const parsed = (line: string) => JSON.parse(line) as Record<string, unknown>;
const problemOf = (bytes: Buffer, options: Parameters<typeof verifyTrail>[1] = {}) => {
  const verdict = verifyTrail(bytes, options);
  if (verdict.ok) throw new Error('expected the trail not to verify');
  return verdict.problem;
};

describe('canonicalJson', () => {
  test('sorts keys at every depth, writes no whitespace, and drops what JSON drops', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[1,{"z":1}]},"b":1}',
    );
    expect(canonicalJson([undefined, Number.NaN])).toBe('[null,null]');
  });

  test('a value hashes the same before it is written and after it is read back', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value));
      }),
    );
  });
});

describe('an exported trail', () => {
  test('chains every entry to the one before it, from a genesis of the run, and closes with a head', () => {
    const lines = linesOf(exported()).map(parsed);
    expect(lines).toHaveLength(records.length + 1);
    expect(lines[0]).toMatchObject({ seq: 0, prev: genesisHash(RUN), kind: 'policy' });
    for (let seq = 1; seq < records.length; seq += 1) {
      expect(lines[seq]).toMatchObject({ seq, prev: lines[seq - 1]!.hash });
    }
    expect(lines.at(-1)).toMatchObject({ kind: 'audit_head', workflowId: RUN, count: 4, last: lines[3]!.hash });
    expect(genesisHash('run-2')).not.toBe(genesisHash(RUN));
  });

  test('verifies as it was written, signed or not', () => {
    expect(verifyTrail(Buffer.from(exported()))).toMatchObject({ ok: true, signature: 'unsigned' });
    expect(verifyTrail(Buffer.from(exported({ signed: true })), { publicKey: keys.publicKey })).toMatchObject({
      ok: true,
      signature: 'verified',
      entries: expect.arrayContaining([expect.objectContaining({ seq: 3, tool: 'delete_file' })]),
    });
    expect(verifyTrail(Buffer.from(exported({ signed: true })))).toMatchObject({ ok: true, signature: 'unchecked' });
    expect(verifyTrail(Buffer.from(exported({ of: [] })))).toMatchObject({ ok: true, entries: [] });
  });

  test('fields a record gains later are hashed too', () => {
    const withVotes = records.map((record) => ({ ...record, votes: [{ by: 'olga', evidence: { sig: 'x' } }] }));
    const lines = linesOf(exported({ of: withVotes }));
    lines[2] = lines[2]!.replace('"sig":"x"', '"sig":"y"');
    expect(problemOf(fileOf(lines))).toMatchObject({ kind: 'edited', seq: 2 });
  });

  test('a field named __proto__ (arguments are outside input) is hashed like any other', () => {
    const record = JSON.parse('{"kind":"tool_call","args":{"__proto__":{"admin":true}}}') as object;
    const lines = linesOf(exported({ of: [record] }));
    expect(verifyTrail(fileOf(lines))).toMatchObject({ ok: true });
    lines[0] = lines[0]!.replace('"admin":true', '"admin":false');
    expect(problemOf(fileOf(lines))).toMatchObject({ kind: 'edited', seq: 0 });
  });

  test('refuses a record that already holds a field of the chain', () => {
    expect(() => chainTrail([{ kind: 'x', hash: 'h' }], RUN, { exportedAt: 'now' })).toThrow(/"hash"/);
  });
});

describe('verifying names the first bad entry and what is wrong with it', () => {
  const lines = linesOf(exported());

  test('an edited field: hash mismatch', () => {
    const edited = [...lines];
    edited[2] = edited[2]!.replace('"approver":"olga"', '"approver":"mallory"');
    expect(problemOf(fileOf(edited))).toEqual({
      kind: 'edited',
      seq: 2,
      line: 3,
      message: 'entry seq 2 (line 3): its hash does not match its content: it was edited',
    });
  });

  test('an edited entry with its hash recomputed: the next entry no longer follows it', () => {
    const { entries, head } = chainTrail(records, RUN, { exportedAt: 'now' });
    const rewritten = chainTrail(
      records.map((record, index) => (index === 1 ? { ...record, args: { path: 'b' } } : record)),
      RUN,
      { exportedAt: 'now' },
    );
    const mixed = [entries[0], rewritten.entries[1], entries[2], entries[3], head].map((line) => JSON.stringify(line));
    expect(problemOf(fileOf(mixed))).toMatchObject({ kind: 'moved', seq: 2, message: expect.stringMatching(/prev/) });
  });

  test('a removed entry', () => {
    expect(problemOf(fileOf(lines.filter((_, index) => index !== 1)))).toMatchObject({
      kind: 'moved',
      seq: 1,
      message: expect.stringContaining('entry seq 1 is missing (line 2 holds seq 2)'),
    });
  });

  test('an inserted entry', () => {
    expect(problemOf(fileOf([...lines.slice(0, 2), lines[1]!, ...lines.slice(2)]))).toMatchObject({
      kind: 'moved',
      seq: 2,
      line: 3,
    });
    // An entry of another run, in its place.
    const foreign = linesOf(trailJsonl(chainTrail(records, 'run-2', { exportedAt: 'now' })));
    expect(problemOf(fileOf([foreign[0]!, ...lines.slice(1)]))).toMatchObject({
      kind: 'moved',
      seq: 0,
      message: expect.stringContaining('genesis of run run-1'),
    });
  });

  test('reordered entries', () => {
    expect(problemOf(fileOf([lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)]))).toMatchObject({
      kind: 'moved',
      seq: 1,
    });
  });

  test('a truncated tail: by the head count, or by the head missing', () => {
    expect(problemOf(fileOf([...lines.slice(0, 2), lines.at(-1)!]))).toMatchObject({
      kind: 'truncated',
      seq: 2,
      message: 'the head counts 4 entries but the file holds 2: entries after seq 1 were removed',
    });
    expect(problemOf(fileOf(lines.slice(0, 3)))).toMatchObject({
      kind: 'truncated',
      message: expect.stringContaining('ends at entry seq 2 without its head record'),
    });
  });

  test('a head that does not close the chain, or names another run than the one asked for', () => {
    const head = parsed(lines.at(-1)!) as unknown as TrailHead;
    const wrongLast = JSON.stringify({ ...head, last: genesisHash(RUN) });
    expect(problemOf(fileOf([...lines.slice(0, -1), wrongLast]))).toMatchObject({ kind: 'head' });
    expect(problemOf(fileOf(lines), { workflowId: 'run-2' })).toMatchObject({
      kind: 'head',
      message: 'the trail is of run run-1, not of run run-2',
    });
  });

  test('a bad signature, the wrong key, or no signature when a key is given', () => {
    const signed = linesOf(exported({ signed: true }));
    const head = parsed(signed.at(-1)!) as unknown as TrailHead;
    const forged = JSON.stringify({ ...head, exportedAt: '2030-01-01T00:00:00.000Z' });
    expect(problemOf(fileOf([...signed.slice(0, -1), forged]), { publicKey: keys.publicKey })).toMatchObject({
      kind: 'signature',
      message: expect.stringContaining('changed after it was signed'),
    });
    expect(problemOf(fileOf(signed), { publicKey: other.publicKey })).toMatchObject({
      kind: 'signature',
      message: expect.stringContaining(`the head names key ${head.signature!.keyId}`),
    });
    expect(problemOf(fileOf(lines), { publicKey: keys.publicKey })).toMatchObject({
      kind: 'signature',
      message: expect.stringContaining('not signed'),
    });
  });

  test('a whole chain rewritten with its head verifies without a key (what only a signature or the history catches)', () => {
    const rewritten = exported({ of: records.map((record) => ({ ...record, approver: 'mallory' })) });
    expect(verifyTrail(Buffer.from(rewritten))).toMatchObject({ ok: true });
    const signedOriginal = parsed(linesOf(exported({ signed: true })).at(-1)!) as unknown as TrailHead;
    const rewrittenLines = linesOf(rewritten);
    const head = { ...parsed(rewrittenLines.at(-1)!), signature: signedOriginal.signature };
    expect(
      problemOf(fileOf([...rewrittenLines.slice(0, -1), JSON.stringify(head)]), { publicKey: keys.publicKey }),
    ).toMatchObject({ kind: 'signature' });
  });
});

describe('hostile files get a clear problem, never an exception', () => {
  test.each([
    ['empty', '', /holds no records/],
    ['not JSON', 'hello\n', /line 1 is not JSON/],
    ['not UTF-8', Buffer.from([0xff, 0xfe, 0x00]), /not UTF-8/],
    ['a JSON number', '42\n', /line 1 is not a head record/],
    [
      'wrong types',
      `{"seq":"0","prev":1,"hash":null,"kind":"x"}\n${linesOf(exported({ of: [] }))[0]}\n`,
      /line 1 is not an audit trail entry \(seq: .*expected number/,
    ],
    ['nested too deep', `{"v":${'['.repeat(200_000)}${']'.repeat(200_000)}}\n`, /nests values too deeply/],
    ['a repeated key', '{"kind":"audit_head","kind":"audit_head"}\n', /a key repeated/],
  ])('%s', (_name, content, message) => {
    const verdict = verifyTrail(typeof content === 'string' ? Buffer.from(content) : content);
    expect(verdict).toMatchObject({
      ok: false,
      problem: { kind: 'unreadable', message: expect.stringMatching(message) },
    });
  });

  test('an entry of the wrong shape among good ones is named by line', () => {
    const lines = linesOf(exported());
    lines[1] = '{"seq":1,"prev":"nothex","hash":"nothex","kind":"x"}';
    expect(problemOf(fileOf(lines))).toMatchObject({
      kind: 'unreadable',
      line: 2,
      message: expect.stringContaining('prev: expected 64 lowercase hex digits'),
    });
  });

  test('too large, or not a regular file, is refused before it is read', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-audit-'));
    const file = path.join(dir, 'trail.jsonl');
    writeFileSync(file, exported());
    await expect(readTrailFile(file, 10)).rejects.toThrow(/more than the 10 an audit trail is read up to/);
    await expect(readTrailFile(dir)).rejects.toThrow(/is not a regular file/);
    await expect(readTrailFile('/dev/zero')).rejects.toThrow(/is not a regular file/);
    await expect(readTrailFile(path.join(dir, 'missing'))).rejects.toThrow(/cannot open .*ENOENT/);
  });

  test('key files: missing, not PEM, the wrong kind of key', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-audit-'));
    const write = (name: string, content: string) => {
      writeFileSync(path.join(dir, name), content);
      return path.join(dir, name);
    };
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => loadSigningKey(path.join(dir, 'none'))).toThrow(/cannot read the private key file/);
    expect(() => loadSigningKey(write('junk', 'junk'))).toThrow(/does not hold a PEM private key/);
    expect(() =>
      loadSigningKey(write('rsa', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())),
    ).toThrow(/holds a rsa key, not Ed25519/);
    const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => loadPublicKey(write('private', privatePem))).toThrow(/holds a private key/);
    const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(loadPublicKey(write('public', publicPem)).asymmetricKeyType).toBe('ed25519');
    expect(loadSigningKey(write('signing', privatePem)).asymmetricKeyType).toBe('ed25519');
  });
});

describe('any single change to a valid chain is detected', () => {
  const signedLines = linesOf(exported({ signed: true }));
  const entryCount = records.length;
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('set' as const), at: fc.nat(entryCount - 1), key: fc.string(), value: fc.jsonValue() }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(entryCount - 1), key: fc.nat(20) }),
    fc.record({ op: fc.constant('remove' as const), at: fc.nat(entryCount) }),
    fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(entryCount), to: fc.nat(entryCount) }),
    fc.record({ op: fc.constant('swap' as const), at: fc.nat(entryCount), to: fc.nat(entryCount) }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat(entryCount) }),
  );

  test('unsigned: every entry change; signed: the head too', () => {
    fc.assert(
      fc.property(mutation, fc.boolean(), (change, signedMode) => {
        const lines = signedMode ? [...signedLines] : linesOf(exported());
        switch (change.op) {
          case 'set': {
            const entry = parsed(lines[change.at]!);
            fc.pre(canonicalJson(new Map(Object.entries(entry)).get(change.key)) !== canonicalJson(change.value));
            fc.pre(!(change.value === null && !Object.hasOwn(entry, change.key)));
            // A spread with a computed key defines even `__proto__` as a field, as JSON.parse would.
            lines[change.at] = JSON.stringify({ ...entry, [change.key]: change.value });
            break;
          }
          case 'delete': {
            const entry = parsed(lines[change.at]!);
            const keys = Object.keys(entry);
            delete entry[keys[change.key % keys.length]!];
            lines[change.at] = JSON.stringify(entry);
            break;
          }
          case 'remove':
            lines.splice(change.at, 1);
            break;
          case 'duplicate':
            lines.splice(change.to, 0, lines[change.at]!);
            break;
          case 'swap':
            fc.pre(change.at !== change.to);
            [lines[change.at], lines[change.to]] = [lines[change.to]!, lines[change.at]!];
            break;
          case 'truncate':
            lines.splice(change.at, entryCount - change.at);
            fc.pre(change.at < entryCount);
            break;
        }
        expect(verifyTrail(fileOf(lines), signedMode ? { publicKey: keys.publicKey } : {}).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  test('signed: any change to the head', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('workflowId', 'count', 'last', 'exportedAt', 'extra'),
        fc.jsonValue(),
        (key, value) => {
          const head = parsed(signedLines.at(-1)!);
          fc.pre(canonicalJson(new Map(Object.entries(head)).get(key)) !== canonicalJson(value));
          const lines = [...signedLines.slice(0, -1), JSON.stringify({ ...head, [key]: value })];
          expect(verifyTrail(fileOf(lines), { publicKey: keys.publicKey }).ok).toBe(false);
        },
      ),
    );
  });
});

describe('compared with the history', () => {
  const entries = linesOf(exported()).slice(0, -1).map(parsed);

  test('the same records match, with hashed arguments compared by their digest', () => {
    const hashed = entries.map((entry) =>
      entry.kind === 'approval_request' ? { ...entry, args: undefined, argsSha256: argsDigest({ path: 'a' }) } : entry,
    );
    expect(compareWithHistory(hashed, records)).toEqual({ ok: true, newer: 0 });
    expect(compareWithHistory(entries.slice(0, 2), records)).toEqual({ ok: true, newer: 2 });
  });

  test('a re-chained edit is caught, naming the entry and the field', () => {
    const rewritten = linesOf(exported({ of: records.map((r, i) => (i === 2 ? { ...r, approver: 'mallory' } : r)) }));
    expect(compareWithHistory(rewritten.slice(0, -1).map(parsed), records)).toEqual({
      ok: false,
      problem: { kind: 'edited', seq: 2, message: "entry seq 2 differs from the run's history in approver" },
    });
    expect(compareWithHistory(entries, records.slice(0, 3))).toMatchObject({ ok: false, problem: { seq: 3 } });
  });
});
