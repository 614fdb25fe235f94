import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ReinsClient, ServerUnreachableError, type ReinsClientOptions } from '../../client';
import { startScriptedModel } from '../../testing/scripted-model';
import { loadWorkerConfig, type WorkerConfig } from '../../worker/config';
import { createReinsWorker } from '../../worker/create-worker';
import { connectWorker } from '../../worker/temporal-connect';
import { REPO_ROOT, runCli, startCli } from '../helpers/cli';
import { fileClerkSpec, tempDataDir } from '../helpers/harness';
import { testAddress, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';
import { makeTestCertificates, startTlsProxy, type TestCertificates, type TlsProxy } from '../helpers/tls-proxy';

// nginx terminates TLS in front of the test dev server (which has no TLS of its own): one proxy with a server
// certificate only, one that also requires a client certificate, one that also requires an API key.

const API_KEY = 'reins-tls-test-key';
const ANSWER = 'answered over TLS';
const READER = path.join(REPO_ROOT, 'agents', 'file-reader.yaml');

let certs: TestCertificates;
let serverTls: TlsProxy;
let mutualTls: TlsProxy;
let keyed: TlsProxy;
let configFile: string;

beforeAll(async () => {
  certs = await makeTestCertificates();
  const upstream = testAddress();
  [serverTls, mutualTls, keyed] = await Promise.all([
    startTlsProxy({ upstream, certificates: certs }),
    startTlsProxy({ upstream, certificates: certs, requireClientCert: true }),
    startTlsProxy({ upstream, certificates: certs, requireApiKey: API_KEY }),
  ]);
  configFile = path.join(certs.dir, 'temporal.toml');
  writeFileSync(
    configFile,
    `[profile.server-tls]
address = "${serverTls.address}"
[profile.server-tls.tls]
server_ca_cert_path = "${certs.caCert}"

[profile.mtls]
address = "${mutualTls.address}"
[profile.mtls.tls]
server_ca_cert_path = "${certs.caCert}"
client_cert_path = "${certs.clientCert}"
client_key_path = "${certs.clientKey}"
`,
  );
});

afterAll(async () => {
  await Promise.all([serverTls?.stop(), mutualTls?.stop(), keyed?.stop()]);
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
});

/** The worker's settings from `env` alone (no HOME: no config file of the machine's user), with a scripted model. */
function workerConfig(env: Record<string, string>, modelUrl: string, taskQueue: string): WorkerConfig {
  const reins = { OPENAI_BASE_URL: modelUrl, REINS_TASK_QUEUE: taskQueue, REINS_DATA_DIR: tempDataDir() };
  return loadWorkerConfig({ ...env, ...reins });
}

/** A worker that opens its own connection from `workerEnv`, a client from `client`, and one run between them. */
async function oneRun(workerEnv: Record<string, string>, client: ReinsClientOptions): Promise<string | undefined> {
  const model = await startScriptedModel({ script: [{ reply: { content: ANSWER } }] });
  const taskQueue = uniqueTaskQueue('tls');
  const config = workerConfig(workerEnv, model.url, taskQueue);
  const worker = await createReinsWorker({ config, workflowBundle: workflowBundle(), telemetry: null });
  try {
    const reins = await ReinsClient.connect({
      ...client,
      taskQueue,
      payloadDir: path.join(config.dataDir, 'payloads'),
    });
    try {
      return await worker.runUntil(async () => {
        const { runId } = await reins.startRun({ spec: fileClerkSpec(), prompt: 'Say hello', userId: 'alice' });
        const result = await reins.result(runId);
        expect(result.status).toBe('completed');
        return result.answer;
      });
    } finally {
      await reins.close();
    }
  } finally {
    await worker.connection?.close();
    await model.close();
  }
}

/** What each side says when it cannot connect: the client (through ReinsClient.connect) and the worker. */
async function failures(env: Record<string, string>): Promise<{ client: Error; worker: Error }> {
  const client = await ReinsClient.connect({ env, connectTimeoutMs: 5_000 }).then(
    async (reins) => {
      await reins.close();
      throw new Error('the client connected');
    },
    (error: Error) => error,
  );
  const worker = await connectWorker(workerConfig(env, 'http://127.0.0.1:1/v1', 'unused')).then(
    async (connection) => {
      await connection.close();
      throw new Error('the worker connected');
    },
    (error: Error) => error,
  );
  return { client, worker };
}

function expectUnreachable(error: Error, address: string, reason: RegExp): void {
  expect(error).toBeInstanceOf(ServerUnreachableError);
  expect(error.message).toContain(`cannot reach the Temporal server at ${address}: `);
  expect((error as ServerUnreachableError).reason).toMatch(reason);
}

describe('TLS with a server certificate', () => {
  test('a worker (CA from TEMPORAL_TLS_SERVER_CA_CERT_PATH) and a client (a TOML profile) run an agent', async () => {
    const workerEnv = { TEMPORAL_ADDRESS: serverTls.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert };
    expect(await oneRun(workerEnv, { configFile, profile: 'server-tls', env: {} })).toBe(ANSWER);
  });

  test('a wrong CA, no TLS towards the TLS endpoint, TLS towards a plaintext one: each says so, naming the address', async () => {
    const wrongCa = await failures({
      TEMPORAL_ADDRESS: serverTls.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.otherCaCert,
    });
    for (const error of [wrongCa.client, wrongCa.worker]) {
      expectUnreachable(error, serverTls.address, /^the server's certificate is not signed by the CA given/);
    }
    const plaintext = await failures({ TEMPORAL_ADDRESS: serverTls.address });
    for (const error of [plaintext.client, plaintext.worker]) {
      expectUnreachable(error, serverTls.address, /^the server speaks TLS and the connection was made without it/);
    }
    const towardsPlain = await failures({
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
    });
    for (const error of [towardsPlain.client, towardsPlain.worker]) {
      expectUnreachable(error, testAddress(), /^the server does not speak TLS/);
    }
  });

  test('reins with a wrong --tls-ca-path exits 2 naming the address and the cause', async () => {
    const outcome = await runCli(['--address', serverTls.address, '--tls-ca-path', certs.otherCaCert, 'status', 'x']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain(
      `reins: cannot reach the Temporal server at ${serverTls.address}: the server's certificate is not signed by the CA given`,
    );
  });
});

describe('mutual TLS: the proxy requires a client certificate', () => {
  const mtlsEnv = () => ({
    TEMPORAL_ADDRESS: mutualTls.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
  });

  test('a worker and a client with TEMPORAL_TLS_CLIENT_CERT_PATH/KEY_PATH run an agent', async () => {
    expect(await oneRun(mtlsEnv(), { env: mtlsEnv() })).toBe(ANSWER);
  });

  test('without the client certificate both sides say one is required', async () => {
    const { client, worker } = await failures({
      TEMPORAL_ADDRESS: mutualTls.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
    });
    for (const error of [client, worker]) {
      expectUnreachable(error, mutualTls.address, /client certificate and none was sent/);
    }
  });

  test('reins worker with --profile and reins start with --tls-* flags run an agent through it', async () => {
    const model = await startScriptedModel({ script: [{ reply: { content: ANSWER } }] });
    const taskQueue = uniqueTaskQueue('tls-cli');
    // TEMPORAL_ADDRESS empty: the child's environment would otherwise point past the proxy, over the profile.
    const worker = startCli(['--config-file', configFile, '--profile', 'mtls', '--task-queue', taskQueue, 'worker'], {
      TEMPORAL_ADDRESS: '',
      OPENAI_BASE_URL: model.url,
      REINS_DATA_DIR: tempDataDir(),
    });
    try {
      const banner = await worker.waitFor(
        /reins worker on task queue .* at (\S+), namespace default, (TLS \(.*?\))/,
        180_000,
      );
      expect(banner[1]).toBe(mutualTls.address);
      expect(banner[2]).toContain(`client certificate ${certs.clientCert}`);
      const tlsFlags = [
        '--tls-ca-path',
        certs.caCert,
        '--tls-cert-path',
        certs.clientCert,
        '--tls-key-path',
        certs.clientKey,
      ];
      const run = await runCli([
        '--address',
        mutualTls.address,
        ...tlsFlags,
        '--task-queue',
        taskQueue,
        'start',
        READER,
        'Hello?',
        '--wait',
      ]);
      expect(run).toMatchObject({ code: 0, stdout: `${ANSWER}\n` });
      const runId = /Started run (\S+);/.exec(run.stderr)?.[1];
      expect(runId).toBeDefined();
      const status = await runCli(['--config-file', configFile, '--profile', 'mtls', 'status', runId!], {
        TEMPORAL_ADDRESS: '',
      });
      expect(status.code).toBe(0);
      expect(status.stdout).toContain('completed');
    } finally {
      await worker.stop('SIGINT');
      await model.close();
    }
  }, 300_000);
});

describe('API keys', () => {
  test('TEMPORAL_API_KEY reaches the server side as `authorization: Bearer`, from the worker and the client', async () => {
    const env = {
      TEMPORAL_ADDRESS: keyed.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
      TEMPORAL_API_KEY: API_KEY,
    };
    expect(await oneRun(env, { env })).toBe(ANSWER);
    const seen = keyed.authorizationsSeen();
    // Every call the worker and the client made went through the proxy's check, which refuses any other header.
    expect(seen.length).toBeGreaterThan(3);
    expect(new Set(seen)).toEqual(new Set([`Bearer ${API_KEY}`]));
  });

  test('a wrong key is refused, and the error says the API key was', async () => {
    const { client, worker } = await failures({
      TEMPORAL_ADDRESS: keyed.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
      TEMPORAL_API_KEY: 'wrong-key',
    });
    for (const error of [client, worker]) expectUnreachable(error, keyed.address, /^the server refused the API key/);
    expect(keyed.authorizationsSeen()).toContain('Bearer wrong-key');
  });
});
