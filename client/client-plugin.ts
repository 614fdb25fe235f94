import { SimplePlugin } from '@temporalio/plugin';
import type { EncryptionKeys } from '../shared/codec';
import { reinsDataConverter } from '../shared/payload-storage';
import { clientStoreSettings } from '../shared/store/store-settings';
import { storeEnv } from './store-env';
import { guardDecoding } from './read-guard';

export interface ReinsClientPluginOptions {
  /** The store the workers keep large payloads in: a PostgreSQL URL or "fs"; REINS_STORE when unset. */
  store?: string;
  /** The PostgreSQL store's schema, as the workers' REINS_STORE_SCHEMA; REINS_STORE_SCHEMA (else `reins`) when unset. */
  storeSchema?: string;
  /** With the filesystem store: the workers' claim-check directory; REINS_PAYLOAD_DIR (or under REINS_DATA_DIR) when unset. */
  payloadDir?: string;
  /** Payload encryption keys, newest last; REINS_ENCRYPTION_KEYS[_FILE] when unset, none with `false`. */
  encryption?: EncryptionKeys | false;
}

/**
 * reins' data converter for a Temporal `Client` in a process that runs no worker (a web app, a script):
 * `new Client({ connection, plugins: [reinsClientPlugin()] })`, then `new ReinsClient(client)`. Without it the client
 * cannot read a run's large payloads or encrypted ones. On a worker's process, ReinsPlugin from `reins/worker` does
 * the same for its clients. Loads nothing of the worker side.
 */
export function reinsClientPlugin(options: ReinsClientPluginOptions = {}): SimplePlugin {
  return new SimplePlugin({
    name: 'reins-client',
    // A fresh converter per client; decode failures are raised as PayloadDecodeError, as ReinsClient.connect does.
    dataConverter: (existing) => ({
      ...existing,
      ...guardDecoding(
        reinsDataConverter({
          store: clientStoreSettings(options, storeEnv(options)).settings,
          ...(options.encryption === undefined ? {} : { encryption: options.encryption }),
        }),
      ),
    }),
  });
}
