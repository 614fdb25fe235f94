import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../cli/program';

// In-process, no server: addresses where nothing listens (ports 1-3) show which setting won, by the address the
// connection failure names; bad settings are refused before any connection.

const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-cli-conn-'));
const write = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};
const config = write(
  'temporal.toml',
  '[profile.default]\naddress = "127.0.0.1:1"\n\n[profile.other]\naddress = "127.0.0.1:2"\nnamespace = "other"\n',
);

async function reins(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out = { stdout: '', stderr: '' };
  const io = { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), env };
  const code = await runCli(['node', 'reins', '--connect-timeout', '300ms', ...args, 'status', 'some-run'], io);
  return { code, ...out };
}

const unreachable = (address: string) =>
  `reins: cannot reach the Temporal server at ${address}: nothing is listening there (connection refused)`;

describe('reins: connection flags over TEMPORAL_* over the profile', () => {
  it('the profile, then the variable, then the flag', async () => {
    expect((await reins(['--config-file', config])).stderr).toContain(unreachable('127.0.0.1:1'));
    const env = { TEMPORAL_CONFIG_FILE: config, TEMPORAL_ADDRESS: '127.0.0.1:2' };
    expect((await reins([], env)).stderr).toContain(unreachable('127.0.0.1:2'));
    const flagged = await reins(['--address', '127.0.0.1:3'], env);
    expect(flagged.stderr).toContain(unreachable('127.0.0.1:3'));
    expect(flagged.code).toBe(2);
  });

  it('--profile over TEMPORAL_PROFILE', async () => {
    const env = { TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'default' };
    expect((await reins(['--profile', 'other'], env)).stderr).toContain(unreachable('127.0.0.1:2'));
  });

  it('--env-file is read first; variables already set keep their values', async () => {
    const envFile = write('reins.env', `# staging\nTEMPORAL_ADDRESS=127.0.0.1:2\nTEMPORAL_NAMESPACE="staging"\n`);
    expect((await reins(['--env-file', envFile])).stderr).toContain(unreachable('127.0.0.1:2'));
    expect((await reins([`--env-file=${envFile}`], { TEMPORAL_ADDRESS: '127.0.0.1:3' })).stderr).toContain(
      unreachable('127.0.0.1:3'),
    );
    const missing = await reins(['--env-file', path.join(dir, 'none.env')]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/^reins: --env-file: cannot read /) });
  });
});

describe('reins: bad connection settings are refused naming the flag', () => {
  it.each([
    [['--address', 'https://temporal:7233'], /^reins: --address: must be host:port/],
    [['--tls-cert-path', ''], /^reins: --tls-cert-path: must name a file/],
    [['--tls-disable-host-verification'], /^reins: --tls-disable-host-verification: .*--tls-server-name/],
    [['--tls-cert-path', config], /^reins: --tls-cert-path is set but .*client_key_path.* is not/],
    [['--tls-ca-path', path.join(dir, 'no-ca.pem')], /^reins: --tls-ca-path: cannot read /],
    [['--config-file', config, '--profile', 'nope'], /^reins: --profile: no profile "nope" in /],
  ])('%j', async (args, message) => {
    const outcome = await reins(args);
    expect(outcome.stderr).toMatch(message);
    expect(outcome.code).toBe(2);
  });

  it('--json reports the error type', async () => {
    const outcome = await reins(['--json', '--tls-disable-host-verification']);
    expect(JSON.parse(outcome.stderr)).toMatchObject({ error: { type: 'TemporalConnectionConfigError' } });
  });
});
