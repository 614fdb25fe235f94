import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyCredential } from '../../activities/identity/credential-verifier';
import { decisionFromFlags } from '../../cli/actions/decide';
import { requesterCredential } from '../../cli/actions/start';
import { runCli } from '../../cli/program';
import { decisionBinding } from '../../common/identity/binding-payload';
import { PlatformPolicySchema, type LoadedPolicy } from '../../common/policy/platform-policy';

// Everything here is refused or built before the CLI connects to a server, so it runs in-process with no server.

const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-cli-cred-'));
const write = (name: string, text: string | Buffer) => {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJvbGdhIn0.c2lnbmF0dXJlLXNlY3JldA';
const tokenFile = write('token.jwt', `\n  ${TOKEN}\n`);
const otherToken = write('other.jwt', 'aaa.bbb.ccc');
const olga = generateKeyPairSync('ed25519');
const keyFile = write('olga.pem', olga.privateKey.export({ type: 'pkcs8', format: 'pem' }));
const publicKeyFile = write('olga.pub.pem', olga.publicKey.export({ type: 'spki', format: 'pem' }));
const loaded: LoadedPolicy = {
  policy: PlatformPolicySchema.parse({
    identity: { approverKeys: [{ user: 'olga', kid: 'olga-1', jwk: olga.publicKey.export({ format: 'jwk' }) }] },
  }),
  version: 'v-test',
};

async function reins(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out = { stdout: '', stderr: '' };
  const io = { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), env };
  // An address nothing listens on: a command that got as far as connecting would say it cannot reach the server.
  const code = await runCli(['node', 'reins', '--address', '127.0.0.1:1', ...args], io);
  return { code, ...out };
}

describe('reins approve/reject: credential flags', () => {
  const approve = (...extra: string[]) => reins(['approve', 'run-1', '1-1', '--by', 'olga', ...extra]);

  it('one kind of credential at a time, and --sign-key with --key-id: exit 2 naming the flags', async () => {
    expect(await approve('--token-file', tokenFile, '--sign-key', keyFile, '--key-id', 'olga-1')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'reins: --token-file: give --token-file or --sign-key, not both\n',
    });
    expect(await approve('--sign-key', keyFile)).toMatchObject({
      code: 2,
      stderr: 'reins: --key-id: --sign-key and --key-id go together\n',
    });
    expect(await reins(['reject', 'run-1', '1-1', '--by', 'olga', '--reason', 'no', '--key-id', 'k'])).toMatchObject({
      code: 2,
      stderr: 'reins: --sign-key: --sign-key and --key-id go together\n',
    });
  });

  it('a token file that cannot be used: exit 2 naming the file, never quoting what it holds', async () => {
    const cases: Array<[string, RegExp]> = [
      [path.join(dir, 'missing.jwt'), /cannot read the token file .*missing\.jwt \(ENOENT\)/],
      [write('empty.jwt', ' \n'), /the token file .*empty\.jwt is empty/],
      [write('big.jwt', 'a'.repeat(20_000)), /the token file .*big\.jwt is larger than \d+ bytes/],
      [write('long.jwt', `${'a'.repeat(16_381)}.b.c`), /the token in .*long\.jwt is longer than 16384 characters/],
      [write('notes.txt', 'password=hunter2 secret-value'), /notes\.txt does not hold a JWT/],
    ];
    for (const [file, message] of cases) {
      const outcome = await approve('--token-file', file);
      expect(outcome).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(message) });
      expect(outcome.stderr).not.toContain('hunter2');
    }
    // The same through the environment.
    const viaEnv = await reins(['approve', 'r', '1-1', '--by', 'o'], {
      REINS_APPROVER_TOKEN_FILE: path.join(dir, 'no'),
    });
    expect(viaEnv).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('cannot read the token file'),
    });
  });

  it('a signing key that cannot be used: exit 2', async () => {
    expect(await approve('--sign-key', publicKeyFile, '--key-id', 'olga-1')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('does not hold a PEM private key'),
    });
    expect(await approve('--sign-key', tokenFile, '--key-id', 'olga-1')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('does not hold a PEM private key'),
    });
  });

  it('--help lists the credential flags', async () => {
    const help = await reins(['approve', '--help']);
    for (const flag of ['--token-file <file>', '--sign-key <file>', '--key-id <kid>', 'REINS_APPROVER_TOKEN_FILE']) {
      expect(help.stdout).toContain(flag);
    }
  });

  it('--token-file, else $REINS_APPROVER_TOKEN_FILE: the trimmed token as a jwt credential', async () => {
    const viaFlag = await decisionFromFlags('approve', 'run-1', '1-1', { by: 'olga', tokenFile }, {});
    expect(viaFlag.decision).toEqual({
      requestId: '1-1',
      decision: 'approve',
      by: 'olga',
      credential: { kind: 'jwt', token: TOKEN },
    });
    const env = { REINS_APPROVER_TOKEN_FILE: tokenFile };
    const viaEnv = await decisionFromFlags('reject', 'run-1', '1-1', { by: 'olga', reason: 'no' }, env);
    expect(viaEnv.decision.credential).toEqual({ kind: 'jwt', token: TOKEN });
    const flagWins = await decisionFromFlags('approve', 'run-1', '1-1', { by: 'olga', tokenFile: otherToken }, env);
    expect(flagWins.decision.credential).toEqual({ kind: 'jwt', token: 'aaa.bbb.ccc' });
    // A signing key given on the command line is the one credential sent, whatever the environment names.
    const signed = await decisionFromFlags(
      'approve',
      'run-1',
      '1-1',
      { by: 'olga', signKey: keyFile, keyId: 'olga-1' },
      env,
    );
    expect(signed.decision.credential?.kind).toBe('signature');
    const none = await decisionFromFlags('approve', 'run-1', '1-1', { by: 'olga' }, {});
    expect(none.decision.credential).toBeUndefined();
  });

  it('--sign-key/--key-id: a signature the run verifies for exactly this run, request, verdict, edit and approver', async () => {
    const edit = '{"path":"b.txt"}';
    const flags = { by: 'olga', edit, signKey: keyFile, keyId: 'olga-1' };
    const { decision } = await decisionFromFlags('approve', 'run-1', '1-1', flags, {});
    const credential = decision.credential!;
    expect(decision.editedArgs).toEqual({ path: 'b.txt' });
    // The binding the workflow builds (workflows/approvals/decider-identity.ts uses the same decisionBinding).
    const verdict = await verifyCredential({ credential, binding: decisionBinding('run-1', decision) }, loaded);
    expect(verdict).toMatchObject({
      ok: true,
      evidence: { provider: 'approver key', subject: 'olga', keyId: 'olga-1' },
    });
    for (const other of [
      decisionBinding('run-2', decision),
      decisionBinding('run-1', { ...decision, requestId: '1-2' }),
      decisionBinding('run-1', { ...decision, decision: 'reject' }),
      decisionBinding('run-1', { ...decision, editedArgs: { path: 'c.txt' } }),
      decisionBinding('run-1', { ...decision, editedArgs: undefined }),
    ]) {
      expect(await verifyCredential({ credential, binding: other }, loaded)).toMatchObject({ ok: false });
    }
  });
});

describe('reins start: the requester token', () => {
  const clerk = path.resolve(__dirname, '..', '..', 'agents', 'file-clerk.yaml');

  it('--token-file, else $REINS_REQUESTER_TOKEN_FILE', async () => {
    expect(await requesterCredential(tokenFile, {})).toEqual({ kind: 'jwt', token: TOKEN });
    expect(await requesterCredential(undefined, { REINS_REQUESTER_TOKEN_FILE: tokenFile })).toEqual({
      kind: 'jwt',
      token: TOKEN,
    });
    expect(await requesterCredential(otherToken, { REINS_REQUESTER_TOKEN_FILE: tokenFile })).toEqual({
      kind: 'jwt',
      token: 'aaa.bbb.ccc',
    });
    expect(await requesterCredential(undefined, { REINS_REQUESTER_TOKEN_FILE: '' })).toBeUndefined();
  });

  it('a token file that cannot be used: exit 2 before the server is asked', async () => {
    expect(await reins(['start', clerk, 'hi', '--token-file', path.join(dir, 'none.jwt')])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('cannot read the token file'),
    });
    const help = await reins(['start', '--help']);
    expect(help.stdout).toContain('--token-file <file>');
    expect(help.stdout).toContain('REINS_REQUESTER_TOKEN_FILE');
  });
});
