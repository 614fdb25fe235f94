import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { NGINX } from '../../scripts/system-deps';
import { freePort } from '../../scripts/free-port';

const run = promisify(execFile);

/** A throwaway PKI: a CA that signed the proxy's certificate and a client's, and a CA that signed nothing. */
export interface TestCertificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA the proxy's certificate does not chain to: trusting only it must fail. */
  otherCaCert: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

/** EC keys: generated in milliseconds, and accepted by both the Node client (OpenSSL) and the worker (rustls). */
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    ...['req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2'],
    ...['-subj', `/CN=reins test ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE'],
    ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
}

async function makeLeaf(dir: string, name: string, extensions: string): Promise<void> {
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  await openssl(dir, ['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  await openssl(dir, [
    ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`],
  ]);
}

/** Generates the certificates with the openssl CLI into a fresh temporary directory. */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-tls-'));
  await makeCa(dir, 'ca');
  await makeCa(dir, 'other-ca');
  const leaf = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n';
  await makeLeaf(dir, 'server', `${leaf}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`);
  await makeLeaf(dir, 'client', `${leaf}extendedKeyUsage=clientAuth\n`);
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    caCert: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    otherCaCert: file('other-ca.crt'),
  };
}

export interface TlsProxyOptions {
  /** host:port of the plain gRPC server behind the proxy. */
  upstream: string;
  certificates: TestCertificates;
  /** Refuse TLS handshakes without a client certificate signed by the test CA (`ssl_verify_client on`). */
  requireClientCert?: boolean;
  /** Refuse every call whose `authorization` header is not `Bearer <apiKey>` (HTTP 403 before the server). */
  requireApiKey?: string;
}

export interface TlsProxy {
  /** 127.0.0.1:port, TLS only. */
  address: string;
  /** The `authorization` header of every call the proxy passed on or refused, in order (`-` when absent). */
  authorizationsSeen(): string[];
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function nginxConfig(dir: string, port: number, options: TlsProxyOptions): string {
  const { certificates: c } = options;
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, 'temp', name)};`;
  return `
pid ${path.join(dir, 'nginx.pid')};
# One process, no privilege drop: the proxy runs as whoever runs the tests and stops with a single signal.
master_process off;
error_log ${path.join(dir, 'error.log')} info;
events { worker_connections 512; }
http {
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  log_format calls '$http_authorization $status $request_uri';
  access_log ${path.join(dir, 'access.log')} calls;
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${c.serverCert};
    ssl_certificate_key ${c.serverKey};
    ${options.requireClientCert ? `ssl_client_certificate ${c.caCert};\n    ssl_verify_client on;` : ''}
    # Workers hold long polls (a minute and more) and send payloads of several MB.
    client_max_body_size 0;
    keepalive_timeout 1h;
    keepalive_requests 1000000;
    grpc_read_timeout 1h;
    grpc_send_timeout 1h;
    location / {
      ${options.requireApiKey ? `if ($http_authorization != "Bearer ${options.requireApiKey}") { return 403; }` : ''}
      grpc_pass grpc://${options.upstream};
    }
  }
}
`;
}

/** Starts nginx in front of `upstream` as a child of this process, with its own prefix in a temporary directory. */
export async function startTlsProxy(options: TlsProxyOptions, timeoutMs = 30_000): Promise<TlsProxy> {
  const nginx = await NGINX.find();
  if (!nginx)
    throw new Error('nginx is not installed: the integration global setup installs it (test/global-setup.ts)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-nginx-'));
  for (const name of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(path.join(dir, 'temp', name), { recursive: true });
  }
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, options));
  const errorLog = path.join(dir, 'error.log');
  const child: ChildProcess = spawn(nginx, ['-p', dir, '-c', conf, '-e', errorLog, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start on port ${port}: ${stderr}\n${readLog(errorLog)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let stopped: Promise<void> | undefined;
  return {
    address: `127.0.0.1:${port}`,
    authorizationsSeen: () =>
      readLog(path.join(dir, 'access.log'))
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => line.replace(/ \d{3} \S*$/, '')),
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
