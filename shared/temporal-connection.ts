import { existsSync } from 'node:fs';
import type { ConnectionOptions, TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { DEFAULT_NAMESPACE, DEFAULT_TEMPORAL_ADDRESS } from '../common/task-queues';
import { TemporalConnectionConfigError } from '../common/temporal-connection-errors';
import { describeZodIssues } from '../common/zod-issues';
import {
  OVERRIDE_VARIABLES,
  settingName,
  TemporalAddressSchema,
  type SettingOrigin,
  type TemporalConnectionOverrides,
} from './temporal-settings';

export type { TemporalConnectionOverrides } from './temporal-settings';

/** Where the settings come from, beside the TEMPORAL_* variables: what the CLI's global options and the library take. */
export interface TemporalConnectionSource {
  /** A profile of the config file; TEMPORAL_PROFILE, else `default`. */
  profile?: string;
  /** The Temporal config file (TOML); TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml. */
  configFile?: string;
  /** Settings that win over the environment and the profile, as the CLI flags give them. */
  overrides?: TemporalConnectionOverrides;
  /** The variables to read; process.env when unset. */
  env?: NodeJS.ProcessEnv;
}

/** A resolved connection: where, which namespace, and how (TLS, API key, headers). */
export interface TemporalConnection {
  address: string;
  namespace: string;
  /** `false`: plaintext, as a local dev server speaks. */
  tls: TLSConfig | false;
  apiKey?: string;
  /** Extra gRPC headers (`grpc_meta` in a profile, TEMPORAL_GRPC_META_*). */
  metadata?: Record<string, string>;
  /** For messages: `TLS (CA /etc/ca.pem, client certificate /etc/client.pem), API key`, or `plaintext`. */
  security: string;
}

const DataSourceSchema = z.union([
  z.strictObject({ path: z.string().min(1) }),
  z.strictObject({ data: z.union([z.string().min(1), z.instanceof(Uint8Array)]) }),
]);
/** What envconfig hands back from a TOML file is not type-checked there: a file could say `address = 7233`. */
const ProfileSchema = z.object({
  address: TemporalAddressSchema.optional(),
  namespace: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  tls: z
    .object({
      disabled: z.boolean().optional(),
      serverName: z.string().min(1).optional(),
      clientCert: DataSourceSchema.optional(),
      clientKey: DataSourceSchema.optional(),
      serverCACert: DataSourceSchema.optional(),
    })
    .optional(),
  grpcMeta: z.record(z.string(), z.string()).optional(),
});
type Profile = z.output<typeof ProfileSchema>;

/** Only set values count: an empty TEMPORAL_ADDRESS means unset, as it always has here. */
function variables(env: NodeJS.ProcessEnv, overrides: TemporalConnectionOverrides): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (value !== '' || name.startsWith('TEMPORAL_GRPC_META_'))) vars[name] = value;
  }
  for (const { key, variable, replaces } of OVERRIDE_VARIABLES) {
    const value = overrides[key];
    if (value === undefined) continue;
    vars[variable] = String(value);
    // A path given here replaces inline data from the environment, which envconfig would refuse beside it.
    if (replaces) delete vars[replaces];
  }
  return vars;
}

/**
 * Loads the connection the way every Temporal tool does: the config file's profile, then TEMPORAL_* variables over
 * it, then the overrides (CLI flags, code) over both. Defaults: localhost:7233, namespace `default`, plaintext.
 */
export function loadTemporalConnection(source: TemporalConnectionSource = {}): TemporalConnection {
  const overrides = source.overrides ?? {};
  const vars = variables(source.env ?? process.env, overrides);
  const configFile = source.configFile ?? vars.TEMPORAL_CONFIG_FILE;
  const origin: SettingOrigin = { overrides, vars, profile: source.profile ?? vars.TEMPORAL_PROFILE, configFile };
  // envconfig treats a missing file as no file; one named on purpose must exist.
  if (configFile !== undefined && !existsSync(configFile)) {
    const by = source.configFile !== undefined ? '--config-file' : 'TEMPORAL_CONFIG_FILE';
    throw new TemporalConnectionConfigError(`${by}: the Temporal config file ${configFile} does not exist`);
  }
  if (vars.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === 'true' || vars.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === '1') {
    // The SDK has no such switch; silently verifying anyway would fail later with a less helpful message.
    throw new TemporalConnectionConfigError(
      `${settingName(origin, 'disableHostVerification')}: the Temporal TypeScript SDK always verifies the server's ` +
        'host name; name the host its certificate was issued for with --tls-server-name (TEMPORAL_TLS_SERVER_NAME)',
    );
  }
  let loaded: ClientConfigProfile;
  try {
    loaded = loadClientConfigProfile({
      ...(origin.profile !== undefined ? { profile: origin.profile } : {}),
      ...(configFile !== undefined ? { configSource: { path: configFile } } : {}),
      overrideEnvVars: vars,
    });
  } catch (error) {
    throw new TemporalConnectionConfigError(profileFailure(origin, source.profile !== undefined, error));
  }
  const parsed = ProfileSchema.safeParse(loaded);
  if (!parsed.success) {
    const first = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new TemporalConnectionConfigError(`${settingName(origin, first)}: ${describeZodIssues(parsed.error)}`);
  }
  return resolve(parsed.data, origin);
}

function profileFailure(origin: SettingOrigin, byFlag: boolean, error: unknown): string {
  const message = (error as Error).message;
  if (/^Profile '.*' not found/.test(message)) {
    return (
      `${byFlag ? '--profile' : 'TEMPORAL_PROFILE'}: no profile "${origin.profile}" in ` +
      `${origin.configFile ?? 'the Temporal config file (~/.config/temporalio/temporal.toml)'}`
    );
  }
  const both = /Cannot specify both (\w+)_path and \w+_data/.exec(message);
  if (both) {
    // The profile names a file one way and a TEMPORAL_TLS_* variable the other; envconfig keeps both.
    return (
      `${both[1]}_path and ${both[1]}_data are both set (between the profile of ` +
      `${origin.configFile ?? 'the Temporal config file'} and the TEMPORAL_TLS_* variables): give the file one way only`
    );
  }
  return `cannot read ${origin.configFile ?? 'the Temporal config file'}: ${message}`;
}

function resolve(profile: Profile, origin: SettingOrigin): TemporalConnection {
  const tls = profile.tls;
  if (tls?.disabled !== true && (tls?.clientCert === undefined) !== (tls?.clientKey === undefined)) {
    // envconfig drops a lone certificate or key without a word; the server would then refuse the connection.
    const [given, missing] = tls?.clientCert ? ['clientCert', 'clientKey'] : ['clientKey', 'clientCert'];
    throw new TemporalConnectionConfigError(
      `${settingName(origin, `tls.${given}`)} is set but ${settingName(origin, `tls.${missing}`)} is not: ` +
        'a client certificate needs its private key',
    );
  }
  let options: ReturnType<typeof toClientOptions>['connectionOptions'];
  try {
    options = toClientOptions(profile).connectionOptions;
  } catch (error) {
    const file = (error as NodeJS.ErrnoException).path;
    const field = (['clientCert', 'clientKey', 'serverCACert'] as const).find(
      (name) => file !== undefined && tls?.[name] !== undefined && 'path' in tls[name] && tls[name].path === file,
    );
    const what = field ? settingName(origin, `tls.${field}`) : 'a TLS file';
    throw new TemporalConnectionConfigError(`${what}: cannot read ${file ?? ''}: ${(error as Error).message}`);
  }
  const tlsConfig: TLSConfig | false = options.tls === true ? {} : options.tls ? options.tls : false;
  if (tlsConfig) checkPem(tlsConfig, origin);
  return {
    address: options.address ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: profile.namespace ?? DEFAULT_NAMESPACE,
    tls: tlsConfig,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0 ? { metadata: profile.grpcMeta } : {}),
    security: describeSecurity(profile, tlsConfig),
  };
}

/** A file that is not PEM fails deep in the TLS stack with a message that names neither file nor setting. */
function checkPem(tls: TLSConfig, origin: SettingOrigin): void {
  const pem = (bytes: Uint8Array | undefined) => bytes === undefined || Buffer.from(bytes).includes('-----BEGIN ');
  const checks: Array<[string, Uint8Array | undefined]> = [
    ['tls.serverCACert', tls.serverRootCACertificate],
    ['tls.clientCert', tls.clientCertPair?.crt],
    ['tls.clientKey', tls.clientCertPair?.key],
  ];
  for (const [field, bytes] of checks) {
    if (!pem(bytes)) throw new TemporalConnectionConfigError(`${settingName(origin, field)}: not a PEM file`);
  }
}

function describeSecurity(profile: Profile, tls: TLSConfig | false): string {
  const where = (source: z.output<typeof DataSourceSchema> | undefined) =>
    source && 'path' in source ? ` ${source.path}` : '';
  const parts: string[] = [];
  if (tls) {
    const details = [
      profile.tls?.serverCACert ? `CA${where(profile.tls.serverCACert)}` : undefined,
      tls.clientCertPair ? `client certificate${where(profile.tls?.clientCert)}` : undefined,
      tls.serverNameOverride ? `server name ${tls.serverNameOverride}` : undefined,
    ].filter((part) => part !== undefined);
    parts.push(details.length > 0 ? `TLS (${details.join(', ')})` : 'TLS');
  } else {
    parts.push('plaintext');
  }
  if (profile.apiKey) parts.push('API key');
  return parts.join(', ');
}

/** Options for `Connection.connect` of @temporalio/client; `extra` (from code) wins over the loaded settings. */
export function clientConnectionOptions(
  connection: TemporalConnection,
  extra: Partial<ConnectionOptions> = {},
): ConnectionOptions {
  return {
    address: connection.address,
    tls: connection.tls,
    ...(connection.apiKey ? { apiKey: connection.apiKey } : {}),
    ...(connection.metadata ? { metadata: connection.metadata } : {}),
    ...extra,
  };
}

/** Options for the worker's `NativeConnection.connect`. */
export function nativeConnectionOptions(connection: TemporalConnection): NativeConnectionOptions {
  return {
    address: connection.address,
    tls: connection.tls,
    ...(connection.apiKey ? { apiKey: connection.apiKey } : {}),
    ...(connection.metadata ? { metadata: connection.metadata } : {}),
  };
}
