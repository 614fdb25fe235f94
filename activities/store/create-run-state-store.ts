import type { EncryptionKeys } from '../../shared/codec';
import { postgresStore } from '../../shared/store/postgres/pg-store';
import { RecordSeal } from '../../shared/store/record-seal';
import type { StoreSettings } from '../../shared/store/store-settings';
import { FilesystemRunStateStore } from './fs-run-state-store';
import { PostgresRunStateStore } from './pg-run-state-store';
import type { RunStateStore } from './run-state-store';

/** The worker's run state store for its settings, sealed with its payload keys when it has them. */
export function createRunStateStore(
  settings: StoreSettings,
  options: { dataDir: string; encryption?: EncryptionKeys; orphanPayloadsAfterMs?: number | null },
): RunStateStore {
  const seal = new RecordSeal(options.encryption);
  return settings.kind === 'fs'
    ? new FilesystemRunStateStore(options.dataDir, seal, settings.payloadDir)
    : new PostgresRunStateStore(postgresStore(settings.url, settings.schema), seal, options.orphanPayloadsAfterMs);
}
