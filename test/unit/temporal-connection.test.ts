import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TemporalConnectionConfigError } from '../../common/temporal-connection-errors';
import {
  clientConnectionOptions,
  loadTemporalConnection,
  nativeConnectionOptions,
  type TemporalConnectionSource,
} from '../../shared/temporal-connection';
import { loadWorkerConfig } from '../../worker/config';

// Settings only: nothing here opens a connection.

const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-temporal-conn-'));
const write = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};
const PEM = (label: string) => `-----BEGIN ${label}-----\nMIIB\n-----END ${label}-----\n`;
const ca = write('ca.pem', PEM('CERTIFICATE'));
const cert = write('client.pem', PEM('CERTIFICATE'));
const key = write('client.key', PEM('PRIVATE KEY'));
const notPem = write('not.pem', 'hello');
const config = write(
  'temporal.toml',
  `
[profile.default]
address = "profile-host:7233"
namespace = "profile-ns"

[profile.cloud]
address = "ns.acct.tmprl.cloud:7233"
namespace = "ns.acct"
api_key = "profile-key"

[profile.mtls]
address = "mtls-host:7233"
[profile.mtls.tls]
server_ca_cert_path = "${ca}"
client_cert_path = "${cert}"
client_key_path = "${key}"
server_name = "temporal.internal"

[profile.numbers]
address = 7233

[profile.headers]
[profile.headers.grpc_meta]
x_team = "agents"
`,
);

/** No HOME: the user's own ~/.config/temporalio/temporal.toml never leaks into a test. */
const load = (source: TemporalConnectionSource = {}) => loadTemporalConnection({ env: {}, ...source });
const refusal = (source: TemporalConnectionSource) => {
  try {
    load(source);
  } catch (error) {
    expect(error).toBeInstanceOf(TemporalConnectionConfigError);
    return (error as Error).message;
  }
  throw new Error('the settings were accepted');
};

describe('Temporal connection settings: defaults and precedence', () => {
  it('nothing set: the local dev server, namespace default, plaintext', () => {
    expect(load()).toEqual({ address: 'localhost:7233', namespace: 'default', tls: false, security: 'plaintext' });
  });

  it('the profile, then TEMPORAL_* over it, then overrides over both', () => {
    expect(load({ configFile: config })).toMatchObject({ address: 'profile-host:7233', namespace: 'profile-ns' });
    const env = { TEMPORAL_ADDRESS: 'env-host:7233' };
    expect(load({ configFile: config, env })).toMatchObject({ address: 'env-host:7233', namespace: 'profile-ns' });
    const overrides = { address: 'flag-host:7233', namespace: 'flag-ns' };
    expect(load({ configFile: config, env, overrides })).toMatchObject({
      address: 'flag-host:7233',
      namespace: 'flag-ns',
    });
  });

  it('TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE pick the file and profile; --config-file and --profile win', () => {
    const env = { TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'cloud' };
    expect(load({ env })).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct' });
    expect(load({ env, profile: 'mtls' }).address).toBe('mtls-host:7233');
    const other = write('other.toml', '[profile.cloud]\naddress = "other:7233"\n');
    expect(load({ env, configFile: other }).address).toBe('other:7233');
  });

  it('empty variables count as unset, as they always have here', () => {
    expect(load({ env: { TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: '' } })).toMatchObject({
      address: 'localhost:7233',
      namespace: 'default',
    });
  });

  it('gRPC headers of the profile reach the connection options', () => {
    expect(load({ configFile: config, profile: 'headers' }).metadata).toEqual({ 'x-team': 'agents' });
  });
});

describe('Temporal connection settings: TLS and API keys', () => {
  it('a profile with mTLS files gives the bytes, the server name and a description naming the files', () => {
    const connection = load({ configFile: config, profile: 'mtls' });
    expect(connection.tls).toEqual({
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: Uint8Array.from(readFileSync(ca)),
      clientCertPair: { crt: Uint8Array.from(readFileSync(cert)), key: Uint8Array.from(readFileSync(key)) },
    });
    expect(connection.security).toBe(`TLS (CA ${ca}, client certificate ${cert}, server name temporal.internal)`);
  });

  it('an API key turns TLS on with the system CAs; --no-tls turns it off again', () => {
    const cloud = load({ configFile: config, profile: 'cloud' });
    expect(cloud).toMatchObject({ tls: {}, apiKey: 'profile-key', security: 'TLS, API key' });
    expect(load({ configFile: config, profile: 'cloud', overrides: { tls: false } }).tls).toBe(false);
    expect(load({ env: { TEMPORAL_API_KEY: 'env-key' } }).apiKey).toBe('env-key');
    expect(load({ env: { TEMPORAL_API_KEY: 'env-key' }, overrides: { apiKey: 'flag-key' } }).apiKey).toBe('flag-key');
  });

  it('TEMPORAL_TLS=true alone: TLS with the system CAs', () => {
    expect(load({ env: { TEMPORAL_TLS: 'true' } })).toMatchObject({ tls: {}, security: 'TLS' });
  });

  it('flags over variables over the profile for each TLS file; a path flag replaces inline data', () => {
    const otherCa = write('other-ca.pem', PEM('CERTIFICATE').replace('MIIB', 'MIIC'));
    const caText = (source: TemporalConnectionSource) => {
      const { tls } = load(source);
      return tls ? Buffer.from(tls.serverRootCACertificate ?? []).toString() : '';
    };
    const profile = { configFile: config, profile: 'mtls' };
    expect(caText(profile)).toContain('MIIB');
    expect(caText({ ...profile, env: { TEMPORAL_TLS_SERVER_CA_CERT_PATH: otherCa } })).toContain('MIIC');
    const inline = { TEMPORAL_TLS_SERVER_CA_CERT_DATA: PEM('CERTIFICATE') };
    expect(caText({ env: inline })).toContain('MIIB');
    expect(caText({ env: inline, overrides: { tlsCaPath: otherCa } })).toContain('MIIC');
  });

  it('the connection options for the client and the worker carry the same settings; code wins on the client', () => {
    const connection = load({ configFile: config, profile: 'cloud' });
    const expected = { address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'profile-key' };
    expect(nativeConnectionOptions(connection)).toEqual(expected);
    expect(clientConnectionOptions(connection, { connectTimeout: 500 })).toEqual({ ...expected, connectTimeout: 500 });
    expect(clientConnectionOptions(connection, { apiKey: 'code-key' }).apiKey).toBe('code-key');
  });
});

describe('Temporal connection settings: refusals name the setting as it was given', () => {
  it('a client certificate without its key', () => {
    expect(refusal({ overrides: { tlsCertPath: cert } })).toMatch(
      /--tls-cert-path is set but tls\.client_key_path in profile "default" .* is not/,
    );
    expect(refusal({ env: { TEMPORAL_TLS_CLIENT_KEY_PATH: key } })).toMatch(
      /TEMPORAL_TLS_CLIENT_KEY_PATH is set but .*client_cert_path.* is not/,
    );
  });

  it('a TLS file that cannot be read, or is not PEM', () => {
    expect(refusal({ overrides: { tlsCaPath: '/no/such/ca.pem' } })).toMatch(
      /^--tls-ca-path: cannot read \/no\/such\/ca\.pem/,
    );
    expect(refusal({ env: { TEMPORAL_TLS_SERVER_CA_CERT_PATH: notPem } })).toBe(
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH: not a PEM file',
    );
  });

  it('an address that is not host:port, from a flag, a variable or the config file', () => {
    expect(refusal({ overrides: { address: 'https://x:7233' } })).toMatch(/^--address: .*host:port/);
    expect(refusal({ env: { TEMPORAL_ADDRESS: 'x:7233/path' } })).toMatch(/^TEMPORAL_ADDRESS: .*host:port/);
    expect(refusal({ configFile: config, profile: 'numbers' })).toMatch(
      new RegExp(`^address in profile "numbers" of ${config}: `),
    );
  });

  it('a profile or a config file that does not exist', () => {
    expect(refusal({ configFile: config, profile: 'nope' })).toBe(`--profile: no profile "nope" in ${config}`);
    expect(refusal({ env: { TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'nope' } })).toBe(
      `TEMPORAL_PROFILE: no profile "nope" in ${config}`,
    );
    expect(refusal({ configFile: '/no/such.toml' })).toBe(
      '--config-file: the Temporal config file /no/such.toml does not exist',
    );
    expect(refusal({ env: { TEMPORAL_CONFIG_FILE: '/no/such.toml' } })).toMatch(/^TEMPORAL_CONFIG_FILE: /);
  });

  it('a file given both by path and inline, from the profile and the environment', () => {
    const env = { TEMPORAL_TLS_SERVER_CA_CERT_DATA: PEM('CERTIFICATE') };
    expect(refusal({ configFile: config, profile: 'mtls', env })).toMatch(
      /server_ca_cert_path and server_ca_cert_data are both set/,
    );
  });

  it('a config file that is not TOML', () => {
    const broken = write('broken.toml', '[profile.default\naddress = ');
    expect(refusal({ configFile: broken })).toMatch(new RegExp(`^cannot read ${broken}: `));
  });

  it('turning host verification off, which the SDK cannot do', () => {
    expect(refusal({ overrides: { tlsDisableHostVerification: true } })).toMatch(
      /^--tls-disable-host-verification: .*--tls-server-name/,
    );
    expect(refusal({ env: { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' } })).toMatch(
      /^TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: /,
    );
  });
});

describe('the worker config takes its connection from the same settings', () => {
  it('address, namespace and TLS from the profile, flags over it; reins variables still checked', () => {
    const env = { OPENAI_API_KEY: 'k', TEMPORAL_CONFIG_FILE: config };
    const worker = loadWorkerConfig({ ...env, TEMPORAL_PROFILE: 'mtls' });
    expect(worker.temporalAddress).toBe('mtls-host:7233');
    expect(worker.temporalConnection?.tls).toMatchObject({ serverNameOverride: 'temporal.internal' });
    const flagged = loadWorkerConfig(env, { profile: 'cloud', overrides: { namespace: 'flag-ns' } });
    expect(flagged).toMatchObject({ temporalAddress: 'ns.acct.tmprl.cloud:7233', namespace: 'flag-ns' });
    expect(() => loadWorkerConfig({ ...env, REINS_SANDBOX: 'none' })).toThrow(/REINS_SANDBOX/);
    expect(() => loadWorkerConfig({ ...env, TEMPORAL_PROFILE: 'nope' })).toThrow(TemporalConnectionConfigError);
  });
});
