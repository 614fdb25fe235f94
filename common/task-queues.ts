/** Where agent-run workflows and their activities are polled unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'reins';
/** `npm start` runs its own worker here, so a worker on the default queue never serves the demo (or the reverse). */
export const DEMO_TASK_QUEUE = 'reins-demo';
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
