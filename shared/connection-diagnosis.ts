import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { ServerUnreachableError } from '../common/temporal-connection-errors';
import type { TemporalConnection } from './temporal-connection';

/**
 * Why a connection to Temporal failed, in plain words. The SDKs say little: the Node client only that it could not
 * connect "before the deadline", the worker's core a Rust debug dump. So the address is probed the way the connection
 * went (TCP, then TLS with the same CA, certificate and server name, then the HTTP/2 preface) and the first step that
 * fails says what to fix.
 */
export async function connectFailure(
  connection: TemporalConnection,
  error: unknown,
  timeoutMs = 3_000,
): Promise<ServerUnreachableError> {
  const reason = refusedBySdk(connection, error) ?? (await probe(connection, timeoutMs).catch(() => undefined));
  return new ServerUnreachableError(connection.address, error, reason);
}

const CERT_FLAGS = 'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (--tls-cert-path, --tls-key-path)';

/** The connection went through but the first call was refused: the status is in the SDK's error or its causes. */
function refusedBySdk(connection: TemporalConnection, error: unknown): string | undefined {
  const said: string[] = [];
  for (let at: unknown = error; at instanceof Error && said.length < 5; at = at.cause) said.push(at.message);
  const text = said.join(' | ');
  const status = /HTTP status code (\d{3})|status: (\d{3})/.exec(text);
  const http = status ? Number(status[1] ?? status[2]) : undefined;
  const clientCert = connection.tls && connection.tls.clientCertPair !== undefined;
  if (http === 400 && connection.tls && !clientCert) {
    return (
      'the server refused the call with HTTP 400, as a TLS proxy does when it requires a client certificate and ' +
      `none was sent: set ${CERT_FLAGS}`
    );
  }
  const unauthenticated = /UNAUTHENTICATED|PERMISSION_DENIED|Unauthenticated|PermissionDenied|Permission denied/;
  if (http === 401 || http === 403 || unauthenticated.test(text)) {
    return connection.apiKey
      ? 'the server refused the API key (TEMPORAL_API_KEY, --api-key): check that it is current and allowed this namespace'
      : `the server requires credentials and none were accepted: set an API key (TEMPORAL_API_KEY, --api-key) or a client certificate (${CERT_FLAGS})`;
  }
  return undefined;
}

function hostAndPort(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address);
  const host = match?.[1] ?? address;
  return { host, port: match?.[2] ? Number(match[2]) : 7233 };
}

type Outcome = { ok: true; alpn?: string | false } | { ok: false; error: NodeJS.ErrnoException | Error };

/** Runs one attempt on a socket until it settles: `settle` decides from its events; the timeout is a failure too. */
function attempt<S extends Socket>(
  socket: S,
  timeoutMs: number,
  on: (socket: S, settle: (outcome: Outcome) => void) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let done = false;
    const settle = (outcome: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ ok: false, error: new Error('timeout') }), timeoutMs);
    socket.once('error', (error) => settle({ ok: false, error }));
    on(socket, settle);
  });
}

/** The HTTP/2 client preface and an empty SETTINGS frame: a gRPC server answers with its own SETTINGS. */
const H2_PREFACE = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
]);

function tlsAttempt(connection: TemporalConnection, host: string, port: number, timeoutMs: number): Promise<Outcome> {
  const tls = connection.tls || {};
  const servername = tls.serverNameOverride ?? (isIP(host) ? undefined : host);
  const socket = tlsConnect({
    host,
    port,
    ALPNProtocols: ['h2'],
    ...(servername ? { servername } : {}),
    ...(tls.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
    ...(tls.clientCertPair
      ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) }
      : {}),
    // Without TLS configured the probe only asks whether the server speaks TLS at all.
    rejectUnauthorized: connection.tls !== false,
  });
  // A server that wants a client certificate it did not get says so after the handshake (TLS 1.3): wait for its
  // answer to the HTTP/2 preface, or for its alert.
  return attempt<TLSSocket>(socket, timeoutMs, (s, settle) => {
    s.once('secureConnect', () => {
      s.write(H2_PREFACE);
      s.once('data', () => settle({ ok: true, alpn: s.alpnProtocol ?? false }));
    });
    s.once('end', () => settle({ ok: false, error: new Error('the server closed the connection') }));
  });
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

async function probe(connection: TemporalConnection, timeoutMs: number): Promise<string | undefined> {
  const { host, port } = hostAndPort(connection.address);
  const tcp = await attempt(tcpConnect({ host, port }), timeoutMs, (s, settle) =>
    s.once('connect', () => settle({ ok: true })),
  );
  if (!tcp.ok) return tcpReason(tcp.error, host, timeoutMs);
  const tls = await tlsAttempt(connection, host, port, timeoutMs);
  if (connection.tls === false) {
    return tls.ok
      ? 'the server speaks TLS and the connection was made without it: turn TLS on (TEMPORAL_TLS=true, --tls), ' +
          'with the CA that signed its certificate if it is private (TEMPORAL_TLS_SERVER_CA_CERT_PATH, --tls-ca-path)'
      : undefined;
  }
  if (tls.ok) {
    return tls.alpn === 'h2'
      ? undefined
      : 'the TLS endpoint does not speak HTTP/2 (no h2 in ALPN): is it a gRPC endpoint?';
  }
  return tlsReason(tls.error, connection, host);
}

function tcpReason(error: NodeJS.ErrnoException, host: string, timeoutMs: number): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'nothing is listening there (connection refused): check the address and that the server is up';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${host} does not resolve`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `the host cannot be reached from here (${error.code})`;
    default:
      return error.message === 'timeout'
        ? `no answer within ${timeoutMs / 1000}s: check the address and any firewall in between`
        : error.message;
  }
}

function tlsReason(error: NodeJS.ErrnoException, connection: TemporalConnection, host: string): string {
  const code = error.code ?? '';
  const tls = connection.tls || {};
  if (UNTRUSTED.has(code)) {
    return tls.serverRootCACertificate
      ? `the server's certificate is not signed by the CA given (TEMPORAL_TLS_SERVER_CA_CERT_PATH, --tls-ca-path): ${error.message}`
      : `the server's certificate is not signed by a CA this machine trusts: give the CA that signed it (TEMPORAL_TLS_SERVER_CA_CERT_PATH, --tls-ca-path): ${error.message}`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `the server's certificate is not valid now (${error.message})`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return (
      `the server's certificate is not issued for ${tls.serverNameOverride ?? host} (${error.message}): connect by ` +
      'the name it is issued for, or set that name with TEMPORAL_TLS_SERVER_NAME (--tls-server-name)'
    );
  }
  if (
    /CERTIFICATE_REQUIRED|certificate required/i.test(`${code} ${error.message}`) ||
    code.endsWith('HANDSHAKE_FAILURE')
  ) {
    return tls.clientCertPair
      ? `the server refused the TLS handshake (${error.message}): it may not accept this client certificate`
      : `the server requires a client certificate and none was sent: set ${CERT_FLAGS}`;
  }
  if (/UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN/.test(code)) {
    return `the server does not accept the client certificate (${error.message}): it is not signed by a CA the server trusts`;
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|RECORD_LAYER/.test(code) || code === 'ECONNRESET') {
    return (
      'the server does not speak TLS (it answers in plaintext, as a local dev server does): turn TLS off ' +
      '(TEMPORAL_TLS=false, --no-tls) or use the address of its TLS endpoint'
    );
  }
  return `the TLS handshake failed: ${error.message}`;
}
