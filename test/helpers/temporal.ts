import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { reinsDataConverter } from '../../shared/payload-storage';

/** Address of the Temporal server the jest global setup prepared. */
export function testAddress(): string {
  const address = process.env.REINS_TEST_TEMPORAL_ADDRESS ?? process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('No Temporal test server address: run tests through jest so test/global-setup.ts runs');
  return address;
}

let cachedBundle: { code: string } | undefined;

/** The workflow bundle built once per test run; pass it to Worker.create({ workflowBundle }). */
export function workflowBundle(): { code: string } {
  if (cachedBundle) return cachedBundle;
  const file = process.env.REINS_TEST_WORKFLOW_BUNDLE;
  if (!file) throw new Error('No workflow bundle: test/global-setup.ts found no workflows entry point to bundle');
  cachedBundle = { code: readFileSync(file, 'utf8') };
  return cachedBundle;
}

/** Task queues are per test so concurrent suites on the shared server never steal each other's tasks. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A client; give the run's payload directory when results may be large enough to be stored as claims. */
export async function connectClient(payloadDir?: string): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect({ address: testAddress() });
  const dataConverter = payloadDir ? reinsDataConverter({ dir: payloadDir }) : undefined;
  return {
    connection,
    client: new Client({ connection, namespace: 'default', ...(dataConverter ? { dataConverter } : {}) }),
  };
}

export async function connectNative(): Promise<NativeConnection> {
  return NativeConnection.connect({ address: testAddress() });
}
