import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';

// The team's own workflows live beside reins' on the same worker: the plugin adds agentRun and its ledgers to this
// file's bundle, so nothing of reins' needs to be exported here.
const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function greeting(name: string): Promise<string> {
  return greet(name);
}
