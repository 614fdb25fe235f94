import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import { TOOL_ACTIVITY_OPTIONS } from '../workflows/activity-options';
import type { PlainActivities } from './plain-activities';
import { plainApproveUpdate } from './plain-messages';

// The bench bundle: reins' own workflow, unchanged, beside the plain baselines it is compared with.
export { agentRun } from '../workflows';

const { noop } = proxyActivities<PlainActivities>(TOOL_ACTIVITY_OPTIONS);

/** `n` no-op activities in sequence, with the same activity options reins gives its tools; returns bytes received. */
export async function plainSteps(n: number, payloadBytes: number): Promise<number> {
  let received = 0;
  for (let i = 0; i < n; i++) received += (await noop(payloadBytes)).length;
  return received;
}

/** Waits for an approval update, then runs one no-op: the least a paused workflow can be. */
export async function plainGate(payloadBytes: number): Promise<number> {
  let approved = false;
  setHandler(plainApproveUpdate, () => {
    approved = true;
  });
  await condition(() => approved);
  return (await noop(payloadBytes)).length;
}
