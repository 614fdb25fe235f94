/**
 * The one registry of ApplicationFailure `type` names and of the error types tools hand back to the model. Clients,
 * retry policies, the model and tests match on these strings, so a name never changes meaning once published. Code
 * outside this file writes `ErrorType.X`, never the bare string: the lint rule `reins/no-bare-error-type` enforces it.
 */
export const ErrorType = {
  // The model provider.
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

  // Routing across providers.
  /** Every candidate failed or was skipped; the message lists each attempt. */
  ModelsUnavailable: 'ModelsUnavailable',
  /** A candidate names a provider no worker configuration defines; not retried. */
  ProviderUnknown: 'ProviderUnknown',
  /** The model activity did not finish in time on any attempt. */
  ModelTimeout: 'ModelTimeout',

  // Tool calls, as the run decides them.
  ToolArgsInvalid: 'ToolArgsInvalid',
  ToolUnknown: 'ToolUnknown',
  ToolDenied: 'ToolDenied',
  ToolFailed: 'ToolFailed',
  /**
   * A write or destructive call of a tool that does not deduplicate its effect was interrupted (its worker was lost,
   * or it failed midway) and left no result: it may or may not have acted, so it is not run again on its own.
   */
  ToolOutcomeUnknown: 'ToolOutcomeUnknown',
  /** An expected failure a tool reports to the model without a more specific type (an MCP tool's `isError`). */
  ToolError: 'ToolError',
  /**
   * The spec's `config:` for a worker tool does not match the tool's `configSchema`: the run ends at start, naming the
   * tool and each bad field. Not retried.
   */
  ToolConfigInvalid: 'ToolConfigInvalid',
  /** A tool returned something that is not JSON data (a function, a bigint, a cycle, undefined); told to the model. */
  ToolResultInvalid: 'ToolResultInvalid',

  // Workspace files (built-in file tools). Not retried: the model reads them and reacts.
  PathRefused: 'PathRefused',
  NotFound: 'NotFound',
  IsADirectory: 'IsADirectory',
  NotADirectory: 'NotADirectory',
  FileTooLarge: 'FileTooLarge',
  NotText: 'NotText',

  /**
   * The run's workspace files are not on this worker and cannot be restored from the store (its snapshot was over
   * REINS_WORKSPACE_SNAPSHOT_MAX_MB); told to the model, the run goes on.
   */
  WorkspaceUnavailable: 'WorkspaceUnavailable',

  // The code sandbox.
  /** The worker cannot isolate code as its settings require (no bubblewrap, no sandbox user...). */
  SandboxUnavailable: 'SandboxUnavailable',
  /** The sandbox or the interpreter inside it could not be started. */
  SandboxFailed: 'SandboxFailed',
  InterpreterMissing: 'InterpreterMissing',

  // http_request.
  HttpNotConfigured: 'HttpNotConfigured',
  HttpCredentialsRefused: 'HttpCredentialsRefused',
  HttpHostNotAllowed: 'HttpHostNotAllowed',
  HttpRedirectRefused: 'HttpRedirectRefused',
  HttpInsecureCredentials: 'HttpInsecureCredentials',
  HttpTimeout: 'HttpTimeout',
  HttpTooManyRedirects: 'HttpTooManyRedirects',
  HttpRequestFailed: 'HttpRequestFailed',
  HttpHostUnresolved: 'HttpHostUnresolved',
  HttpAddressRefused: 'HttpAddressRefused',

  // sql.
  SqlNotConfigured: 'SqlNotConfigured',
  /** The statement ran past its time limit (PostgreSQL 57014). */
  SqlTimeout: 'SqlTimeout',
  /** A write in a read-only transaction (PostgreSQL 25006). */
  SqlReadOnly: 'SqlReadOnly',
  SqlError: 'SqlError',

  // MCP servers.
  /** The connection failed or dropped; retried (the next attempt reconnects). */
  McpTransportError: 'McpTransportError',
  /** The server did not answer within the request timeout; retried. */
  McpTimeout: 'McpTimeout',
  /** The server answered with a JSON-RPC error or a malformed message; not retried. */
  McpProtocolError: 'McpProtocolError',
  /** The server refused the credentials (HTTP 401/403); not retried. */
  McpAuthFailed: 'McpAuthFailed',
  /** The activity input itself is malformed: a bug in the caller, not retried. */
  McpInputInvalid: 'McpInputInvalid',

  // Secrets.
  /** A secret reference names a value the worker's sources do not have; not retried. */
  SecretMissing: 'SecretMissing',
  /** A secret source (a secrets file) cannot be read safely. */
  SecretSourceInvalid: 'SecretSourceInvalid',

  // The run and its inputs.
  BudgetExhausted: 'BudgetExhausted',
  ApprovalInvalid: 'ApprovalInvalid',
  RunInputInvalid: 'RunInputInvalid',
  RunFailed: 'RunFailed',
  /** The agent spec or the caller asks for more than the platform policy allows; the message names each rule. */
  PolicyViolation: 'PolicyViolation',
  /** The worker's platform policy file cannot be read or is invalid, and no earlier version is at hand. */
  PolicyInvalid: 'PolicyInvalid',
  /**
   * Who a run is for cannot be established: the caller supplied roles although the worker has a directory, the
   * directory does not know the user, or a required credential is missing or does not prove the userId.
   */
  IdentityRefused: 'IdentityRefused',
  /** The worker's directory (its roles file, or an organisation's own) cannot answer, and no earlier version is at hand. */
  DirectoryInvalid: 'DirectoryInvalid',
  /** The worker's directory could not be reached or failed for a reason a later attempt may not share; retried. */
  DirectoryUnavailable: 'DirectoryUnavailable',
  /** A request to apply the platform policy to a run is malformed. */
  PolicyApplyInvalid: 'PolicyApplyInvalid',
  /**
   * A payload the worker could not decode (unknown encoding, bytes that are not JSON, a key or a stored claim it lacks)
   * where data was needed: a run's input or a call's result. Messages with such payloads are refused or ignored.
   */
  PayloadUndecodable: 'PayloadUndecodable',
  // Approver notifications.
  /** A notification endpoint refused it for good (a 4xx other than 408/429) or its settings cannot work; not retried. */
  NotificationRefused: 'NotificationRefused',
  /** A notification endpoint failed, timed out or could not be reached; retried with backoff. */
  NotificationFailed: 'NotificationFailed',
} as const;

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

// Which types no retry can fix, per activity kind. Retry policies list these and nothing else.

/** Model failures that no retry can fix. */
export const NON_RETRYABLE_MODEL_ERRORS: readonly ErrorTypeName[] = [
  ErrorType.ModelBadRequest,
  ErrorType.ModelAuthFailed,
];

/** A routed model attempt: also a missing key or a provider no worker knows, which the next candidate may not share. */
export const NON_RETRYABLE_ROUTED_MODEL_ERRORS: readonly ErrorTypeName[] = [
  ...NON_RETRYABLE_MODEL_ERRORS,
  ErrorType.SecretMissing,
  ErrorType.ProviderUnknown,
];

/** MCP calls: a lost connection is retried (reconnecting); protocol errors, refused credentials and bad input not. */
export const NON_RETRYABLE_MCP_ERRORS: readonly ErrorTypeName[] = [
  ErrorType.McpProtocolError,
  ErrorType.SecretMissing,
  ErrorType.McpAuthFailed,
  ErrorType.McpInputInvalid,
];
