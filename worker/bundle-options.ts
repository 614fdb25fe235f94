import { WORKER_PAYLOAD_CONVERTER_PATH } from '../shared/payload-storage';

/** Fails closed where an undecodable payload would stand in for data (a run's input, an activity's result). */
export const PAYLOAD_GUARD_WORKFLOW_MODULE = require.resolve('../workflows/run/payload-guard');

/**
 * What a workflow bundle built ahead of time (`bundleWorkflowCode`) must contain for a reins worker: the payload
 * converter that turns undecodable payloads into values the workflow can judge, and the guard that goes with it.
 * Without them an undecodable signal fails the workflow task again and again.
 */
export const REINS_BUNDLE_OPTIONS = {
  payloadConverterPath: WORKER_PAYLOAD_CONVERTER_PATH,
  workflowInterceptorModules: [PAYLOAD_GUARD_WORKFLOW_MODULE],
};
