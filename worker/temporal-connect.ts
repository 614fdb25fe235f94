import { NativeConnection } from '@temporalio/worker';
import { connectFailure } from '../shared/connection-diagnosis';
import { nativeConnectionOptions, type TemporalConnection } from '../shared/temporal-connection';
import type { WorkerConfig } from './config';

/** The connection the worker's config describes: plaintext to `temporalAddress` unless it carries TLS or a key. */
export function workerConnection(config: WorkerConfig): TemporalConnection {
  return {
    tls: false,
    security: 'plaintext',
    ...config.temporalConnection,
    address: config.temporalAddress,
    namespace: config.namespace,
  };
}

/** Opens the worker's connection; a failure says where and why in plain words (ServerUnreachableError). */
export async function connectWorker(config: WorkerConfig): Promise<NativeConnection> {
  const connection = workerConnection(config);
  try {
    return await NativeConnection.connect(nativeConnectionOptions(connection));
  } catch (error) {
    throw await connectFailure(connection, error);
  }
}
