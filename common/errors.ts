/**
 * Stable ApplicationFailure `type` names. Clients, retry policies and tests match on these strings,
 * so they never change meaning once published.
 */
export const ErrorType = {
  /** 429 from the provider; retried after the provider's retry-after. */
  ModelRateLimited: 'ModelRateLimited',
  /** 408/409/5xx from the provider; retried. */
  ModelServerError: 'ModelServerError',
  /** The provider could not be reached or the connection dropped; retried. */
  ModelConnectionError: 'ModelConnectionError',
  /** Any other 4xx: the request itself is wrong; not retried. */
  ModelBadRequest: 'ModelBadRequest',
  /** 401/403: the key is missing or refused; not retried. */
  ModelAuthFailed: 'ModelAuthFailed',
  /** The provider answered with something that is not a chat completion; retried (usually a glitch). */
  ModelResponseInvalid: 'ModelResponseInvalid',
  /** The prompt would not fit the model's context window; the workflow compacts and tries again. */
  ContextOverflow: 'ContextOverflow',
  /** Earlier messages of a conversation are not in this worker's store; the workflow resends them inline. */
  ConversationMissing: 'ConversationMissing',
  ToolArgsInvalid: 'ToolArgsInvalid',
  ToolUnknown: 'ToolUnknown',
  ToolDenied: 'ToolDenied',
  ToolFailed: 'ToolFailed',
  BudgetExhausted: 'BudgetExhausted',
  ApprovalInvalid: 'ApprovalInvalid',
  RunInputInvalid: 'RunInputInvalid',
  /** The agent spec or the caller asks for more than the platform policy allows; the message names each rule. */
  PolicyViolation: 'PolicyViolation',
  /** The worker's platform policy file cannot be read or is invalid, and no earlier version is at hand. */
  PolicyInvalid: 'PolicyInvalid',
  /** A request to apply the platform policy to a run is malformed. */
  PolicyApplyInvalid: 'PolicyApplyInvalid',
  RunFailed: 'RunFailed',
  /**
   * A write or destructive call of a tool that does not deduplicate its effect was interrupted (its worker was lost,
   * or it failed midway) and left no result: it may or may not have acted, so it is not run again on its own.
   */
  ToolOutcomeUnknown: 'ToolOutcomeUnknown',
  /**
   * A payload the worker could not decode (unknown encoding, bytes that are not JSON, a key or a stored claim it lacks)
   * where data was needed: a run's input or a call's result. Messages with such payloads are refused or ignored.
   */
  PayloadUndecodable: 'PayloadUndecodable',
} as const;

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

/** Model failures that no retry can fix. */
export const NON_RETRYABLE_MODEL_ERRORS: readonly string[] = [ErrorType.ModelBadRequest, ErrorType.ModelAuthFailed];
