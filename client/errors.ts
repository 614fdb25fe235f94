/** Typed errors of the client library; the CLI maps them to exit codes and messages. */
export class ReinsClientError extends Error {
  override name = 'ReinsClientError';
}

/** The run input (agent spec, prompt, user) failed validation; `message` names each bad field. */
export class RunInputInvalidError extends ReinsClientError {
  override name = 'RunInputInvalidError';
}

export class RunNotFoundError extends ReinsClientError {
  override name = 'RunNotFoundError';
  constructor(readonly runId: string) {
    super(`no run with id "${runId}"`);
  }
}

/** The run refused an approval decision (unknown or decided request, invalid edit...). */
export class DecisionRefusedError extends ReinsClientError {
  override name = 'DecisionRefusedError';
}

export class ServerUnreachableError extends ReinsClientError {
  override name = 'ServerUnreachableError';
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(`cannot reach the Temporal server at ${address}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
