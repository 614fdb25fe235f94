import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chainTrail, trailJsonl } from '../../client/audit-chain';
import { runCli } from '../../cli/program';

// `reins audit --verify` needs no server unless --against-history is given: these run the CLI in-process.

const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-audit-cli-'));
const keys = generateKeyPairSync('ed25519');
const publicKey = path.join(dir, 'audit.pub.pem');
writeFileSync(publicKey, keys.publicKey.export({ type: 'spki', format: 'pem' }));
const records = [
  { kind: 'approval_decision', runId: 'run-7', requestId: '1-1', approver: 'olga' },
  { kind: 'tool_call', runId: 'run-7', callId: '1-1', tool: 'delete_file', outcome: 'succeeded' },
];
const write = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};
const signedTrail = chainTrail(records, 'run-7', {
  exportedAt: '2026-01-01T00:00:00.000Z',
  signingKey: keys.privateKey,
});
const signed = write('signed.jsonl', trailJsonl(signedTrail));

async function reins(...args: string[]) {
  const out = { stdout: '', stderr: '' };
  const io = { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), env: {} };
  const code = await runCli(['node', 'reins', ...args], io);
  return { code, ...out };
}

test('a good trail: exit 0, verified N entries, and how far the signature was checked', async () => {
  expect(await reins('audit', '--verify', signed, '--public-key', publicKey)).toEqual({
    code: 0,
    stdout:
      'verified 2 entries of run run-7 (exported 2026-01-01T00:00:00.000Z)\n' +
      `  signature verified (key ${signedTrail.head.signature!.keyId})\n`,
    stderr: '',
  });
  const unchecked = await reins('audit', 'run-7', '--verify', signed);
  expect(unchecked.code).toBe(0);
  expect(unchecked.stdout).toContain('its signature was not checked: give --public-key');
  const json = await reins('--json', 'audit', '--verify', signed);
  expect(JSON.parse(json.stdout)).toMatchObject({ verified: true, entries: 2, workflowId: 'run-7' });
});

test('an altered trail: exit 1 naming the first bad entry; on --json the verdict as JSON', async () => {
  const edited = write('edited.jsonl', readFileSync(signed, 'utf8').replace('olga', 'mallory'));
  expect(await reins('audit', '--verify', edited)).toEqual({
    code: 1,
    stdout: '',
    stderr: `reins: ${edited} does not verify: entry seq 0 (line 1): its hash does not match its content: it was edited\n`,
  });
  const json = await reins('--json', 'audit', '--verify', edited);
  expect(json.code).toBe(1);
  expect(JSON.parse(json.stdout)).toMatchObject({ verified: false, problem: { kind: 'edited', seq: 0, line: 1 } });
  const otherRun = await reins('audit', 'run-8', '--verify', signed);
  expect(otherRun).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('the trail is of run run-7, not of run run-8'),
  });
});

test('what cannot be used as given: exit 2, naming the flag or the file', async () => {
  expect(await reins('audit', '--verify', path.join(dir, 'none'))).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('cannot open'),
  });
  expect(await reins('audit', '--verify', signed, '--public-key', signed)).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('does not hold a PEM public key'),
  });
  expect(await reins('audit', '--verify', signed, '--signing-key', publicKey)).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('--signing-key: not with --verify'),
  });
  expect(await reins('audit', 'run-7', '--against-history')).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('--against-history: needs --verify'),
  });
  expect(await reins('audit')).toMatchObject({ code: 2, stderr: expect.stringContaining('give the run id') });
});
