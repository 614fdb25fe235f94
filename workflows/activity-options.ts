import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import {
  ErrorType,
  NON_RETRYABLE_MCP_ERRORS,
  NON_RETRYABLE_MODEL_ERRORS,
  NON_RETRYABLE_ROUTED_MODEL_ERRORS,
} from '../common/errors';

/**
 * Timeouts and retries per activity kind, in one place. Heartbeat timeouts are short so a lost worker is noticed in
 * seconds; start-to-close bounds one attempt; retries belong to Temporal, never to the SDK underneath.
 */
export const MODEL_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [...NON_RETRYABLE_MODEL_ERRORS],
  },
};

export const TOOL_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
};

export const SETUP_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
};

/** MCP calls: a server that lost its connection is retried (reconnecting); protocol errors and missing secrets not. */
export const MCP_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...NON_RETRYABLE_MCP_ERRORS],
  },
};

/**
 * A routed model call: few attempts per candidate, so a failing provider hands over to the next candidate soon, while
 * a provider's retry-after still sets the wait between its own attempts.
 */
export function routedModelActivityOptions(policy: {
  maxAttemptsPerCandidate: number;
  attemptTimeout?: number;
}): ActivityOptions {
  return {
    ...MODEL_ACTIVITY_OPTIONS,
    ...(policy.attemptTimeout !== undefined ? { startToCloseTimeout: policy.attemptTimeout } : {}),
    retry: {
      ...MODEL_ACTIVITY_OPTIONS.retry,
      maximumAttempts: policy.maxAttemptsPerCandidate,
      nonRetryableErrorTypes: [...NON_RETRYABLE_ROUTED_MODEL_ERRORS],
    },
  };
}

/** Reading and recording provider health: quick, and never worth holding a run up for long. */
export const PROVIDER_HEALTH_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 3 },
};

/** Reading the platform policy file: local to the worker, quick, and not retried when the file is invalid. */
export const POLICY_ACTIVITY_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: [ErrorType.PolicyInvalid] },
};

/**
 * Looking a user up in the worker's directory and verifying a credential: a file read, or a JWKS fetch the verifier
 * caches. Local activities, so the answer is a marker in history and a decision costs no task-queue round trip.
 */
export const IDENTITY_ACTIVITY_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 4, nonRetryableErrorTypes: [ErrorType.DirectoryInvalid] },
};

/**
 * Resolving a call's workspace paths: a few stat calls on the worker's disk. A local activity, recorded as a marker,
 * so gating a call adds no task-queue round trip (hundreds of runs reaching their gates at once would feel it).
 */
export const PATHS_ACTIVITY_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 3 },
};

/**
 * Telling approvers a run waits: a web request or one mail, retried with backoff (a channel's `attempts` sets how
 * often), never for long. A notification that fails for good is recorded as failed; the run goes on either way.
 */
export function notifyActivityOptions(attempts = 5): ActivityOptions {
  return {
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: attempts,
      nonRetryableErrorTypes: [ErrorType.NotificationRefused, ErrorType.SecretMissing, ErrorType.SecretSourceInvalid],
    },
  };
}
