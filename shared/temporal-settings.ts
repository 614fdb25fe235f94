/**
 * The names a Temporal connection setting goes by: the CLI flag, the TEMPORAL_* variable and the config file key.
 * Messages name a bad setting the way the user gave it, so they know which one to fix.
 */

import { z } from 'zod';

/** host, host:port or [v6]:port; a URL is a common slip (`https://...`) that the SDK would reject obscurely. */
export const TemporalAddressSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/, 'must be host:port (no scheme, no path)');

/** Settings as the CLI flags give them (files by path); each wins over its TEMPORAL_* variable and the profile. */
export interface TemporalConnectionOverrides {
  address?: string;
  namespace?: string;
  apiKey?: string;
  /** `true` turns TLS on (with the system's CAs unless a CA is given); `false` off, whatever the profile says. */
  tls?: boolean;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  tlsCaPath?: string;
  tlsServerName?: string;
  /** Refused: the TypeScript SDK always verifies the server's host name. */
  tlsDisableHostVerification?: boolean;
}

/** Each override becomes the variable envconfig reads, so the one loader applies flags, variables and profile alike. */
export const OVERRIDE_VARIABLES: ReadonlyArray<{
  key: keyof TemporalConnectionOverrides;
  variable: string;
  /** The inline-data variable a path replaces. */
  replaces?: string;
}> = [
  { key: 'address', variable: 'TEMPORAL_ADDRESS' },
  { key: 'namespace', variable: 'TEMPORAL_NAMESPACE' },
  { key: 'apiKey', variable: 'TEMPORAL_API_KEY' },
  { key: 'tls', variable: 'TEMPORAL_TLS' },
  { key: 'tlsCertPath', variable: 'TEMPORAL_TLS_CLIENT_CERT_PATH', replaces: 'TEMPORAL_TLS_CLIENT_CERT_DATA' },
  { key: 'tlsKeyPath', variable: 'TEMPORAL_TLS_CLIENT_KEY_PATH', replaces: 'TEMPORAL_TLS_CLIENT_KEY_DATA' },
  { key: 'tlsCaPath', variable: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', replaces: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA' },
  { key: 'tlsServerName', variable: 'TEMPORAL_TLS_SERVER_NAME' },
  { key: 'tlsDisableHostVerification', variable: 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION' },
];

interface SettingNames {
  override: keyof TemporalConnectionOverrides;
  flag: string;
  variables: string[];
  /** The key in a profile of the config file. */
  toml: string;
}

/** By the field of envconfig's profile (`tls.clientCert`), as zod issue paths and checks name them. */
const SETTINGS: ReadonlyArray<[string, SettingNames]> = [
  ['address', { override: 'address', flag: '--address', variables: ['TEMPORAL_ADDRESS'], toml: 'address' }],
  ['namespace', { override: 'namespace', flag: '--namespace', variables: ['TEMPORAL_NAMESPACE'], toml: 'namespace' }],
  ['apiKey', { override: 'apiKey', flag: '--api-key', variables: ['TEMPORAL_API_KEY'], toml: 'api_key' }],
  ['tls.disabled', { override: 'tls', flag: '--tls', variables: ['TEMPORAL_TLS'], toml: 'tls.disabled' }],
  [
    'tls.serverName',
    {
      override: 'tlsServerName',
      flag: '--tls-server-name',
      variables: ['TEMPORAL_TLS_SERVER_NAME'],
      toml: 'tls.server_name',
    },
  ],
  [
    'tls.clientCert',
    {
      override: 'tlsCertPath',
      flag: '--tls-cert-path',
      variables: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_DATA'],
      toml: 'tls.client_cert_path',
    },
  ],
  [
    'tls.clientKey',
    {
      override: 'tlsKeyPath',
      flag: '--tls-key-path',
      variables: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA'],
      toml: 'tls.client_key_path',
    },
  ],
  [
    'tls.serverCACert',
    {
      override: 'tlsCaPath',
      flag: '--tls-ca-path',
      variables: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'],
      toml: 'tls.server_ca_cert_path',
    },
  ],
  [
    'disableHostVerification',
    {
      override: 'tlsDisableHostVerification',
      flag: '--tls-disable-host-verification',
      variables: ['TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'],
      toml: 'tls.disable_host_verification',
    },
  ],
];

/** What a setting's name depends on: which overrides and variables are set, and which profile of which file. */
export interface SettingOrigin {
  overrides: TemporalConnectionOverrides;
  vars: Record<string, string>;
  profile?: string;
  configFile?: string;
}

/** `--tls-ca-path`, `TEMPORAL_TLS_SERVER_CA_CERT_PATH` or `tls.server_ca_cert_path in profile "prod" of <file>`. */
export function settingName(origin: SettingOrigin, field: string): string {
  const entry = SETTINGS.find(([name]) => field === name || field.startsWith(`${name}.`))?.[1];
  if (!entry) return field === '' ? 'the Temporal connection settings' : field;
  if (origin.overrides[entry.override] !== undefined) return entry.flag;
  const variable = entry.variables.find((name) => origin.vars[name] !== undefined);
  if (variable) return variable;
  const file = origin.configFile ?? 'the Temporal config file';
  return `${entry.toml} in profile "${origin.profile ?? 'default'}" of ${file}`;
}

/** Every TEMPORAL_* variable the client and the worker read (through envconfig), for checks of what a deployment sets. */
export const TEMPORAL_CONNECTION_VARIABLES: readonly string[] = [
  ...SETTINGS.flatMap(([, names]) => names.variables),
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
];
