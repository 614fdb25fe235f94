/** Where agent-run workflows and their activities are polled unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'reins';
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
