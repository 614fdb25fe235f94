import { Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../common/task-queues';
import { connectFailure } from '../shared/connection-diagnosis';
import {
  clientConnectionOptions,
  loadTemporalConnection,
  type TemporalConnectionSource,
} from '../shared/temporal-connection';

/** How the client reaches Temporal: the standard settings (profile, TEMPORAL_* variables), then these over them. */
export interface TemporalConnectOptions extends TemporalConnectionSource {
  /** Wins over --address, TEMPORAL_ADDRESS and the profile. */
  address?: string;
  /** Wins over --namespace, TEMPORAL_NAMESPACE and the profile. */
  namespace?: string;
  /** Options for the SDK's Connection.connect, over everything loaded (tls, apiKey, metadata, interceptors...). */
  connection?: Partial<ConnectionOptions>;
  /** How long to try reaching the server before ServerUnreachableError; 2 s by default. */
  connectTimeoutMs?: number;
}

/** Opens the connection; a failure says where and why in plain words (ServerUnreachableError). */
export async function connectTemporal(
  options: TemporalConnectOptions = {},
): Promise<{ connection: Connection; namespace: string }> {
  const settings = loadTemporalConnection({
    ...options,
    overrides: {
      ...options.overrides,
      ...(options.address !== undefined ? { address: options.address } : {}),
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    },
  });
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const connectOptions = clientConnectionOptions(settings, { connectTimeout: timeoutMs, ...options.connection });
  try {
    return { connection: await Connection.connect(connectOptions), namespace: settings.namespace };
  } catch (error) {
    // Diagnosed with what was actually used, code's options included.
    const tls: TLSConfig | false = connectOptions.tls === true ? {} : connectOptions.tls ? connectOptions.tls : false;
    const used = { ...settings, address: connectOptions.address ?? settings.address, tls };
    throw await connectFailure(used, error, timeoutMs);
  }
}
