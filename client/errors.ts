/** Typed errors of the client library; the CLI maps them to exit codes and messages. */
export class ReinsClientError extends Error {
  override name = 'ReinsClientError';
}

/** An agent file could not be read or is not a valid agent spec; `message` names the file and each bad field. */
export class AgentFileError extends ReinsClientError {
  override name = 'AgentFileError';
}

/** An agent spec given in code (`defineAgent`) is not valid; `message` names the agent and each bad field. */
export class AgentSpecError extends ReinsClientError {
  override name = 'AgentSpecError';
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

/** Shared with the worker, which reaches the server the same way; re-exported here as part of the library's API. */
export { ServerUnreachableError, TemporalConnectionConfigError } from '../common/temporal-connection-errors';

/** A run with the requested id already exists; pick another id or leave it to the client. */
export class RunAlreadyExistsError extends ReinsClientError {
  override name = 'RunAlreadyExistsError';
  constructor(
    readonly runId: string,
    readonly status?: string,
  ) {
    super(
      `a run with id "${runId}" already exists${status ? ` (${status})` : ''}; run ids are never reused, since a ` +
        'run keeps its workspace and audit trail under its id: choose another --id, or leave it out for a fresh one',
    );
  }
}

/** Options passed to a client method failed validation; `message` names each bad field. */
export class InvalidOptionsError extends ReinsClientError {
  override name = 'InvalidOptionsError';
}

/** The run exists but no worker answered for it in time, so its live state cannot be read. */
export class StateUnavailableError extends ReinsClientError {
  override name = 'StateUnavailableError';
  constructor(
    readonly runId: string,
    readonly taskQueue: string,
    cause: unknown,
  ) {
    super(
      `run "${runId}" did not answer (${cause instanceof Error ? cause.message : String(cause)}); ` +
        `is a worker polling task queue "${taskQueue}"? Start one with \`reins worker --task-queue ${taskQueue}\``,
    );
  }
}

/** The run ended without a result of its own: terminated, timed out or cancelled from outside. */
export class RunEndedError extends ReinsClientError {
  override name = 'RunEndedError';
  constructor(
    readonly runId: string,
    /** Temporal's execution status, lower case: terminated, timed_out, cancelled... */
    readonly how: string,
    reason: string,
  ) {
    super(`run "${runId}" was ${how.replace(/_/g, ' ')}: ${reason}`);
  }
}

/** The platform policy file cannot be read or is invalid; `message` names the file and each bad field. */
export class PolicyFileInvalidError extends ReinsClientError {
  override name = 'PolicyFileInvalidError';
}

/** The agent spec or the run's options ask for more than the platform policy allows; one line per rule. */
export class PolicyViolationError extends ReinsClientError {
  override name = 'PolicyViolationError';
  constructor(readonly violations: string[]) {
    super(`refused by the platform policy: ${violations.join('; ')}`);
  }
}

/** The run refused to take the platform policy (it has ended, or the request is malformed). */
export class PolicyApplyRefusedError extends ReinsClientError {
  override name = 'PolicyApplyRefusedError';
}

/** One part of a run that could not be decoded, and why (wrong encryption keys, a claim-check file missing...). */
export interface UnreadablePart {
  /** What it is: `the result of run "x" (history event 42)`, `history event 7 (input of runTool 3)`... */
  what: string;
  error: string;
}

/** Part of a run could not be decoded; every such part is named. Views that carry on without it say so. */
export class PayloadUnreadableError extends ReinsClientError {
  override name = 'PayloadUnreadableError';
  constructor(readonly parts: UnreadablePart[]) {
    super(`cannot read ${parts.map((part) => `${part.what}: ${part.error}`).join('; ')}`);
  }
}

/** An update (a decision, a policy apply) got no answer in time: says whether any worker polls the run's queue. */
export class RunNotAnsweringError extends ReinsClientError {
  override name = 'RunNotAnsweringError';
  constructor(
    readonly runId: string,
    readonly taskQueue: string,
    timeoutMs: number,
    readonly pollers: string[] | undefined,
  ) {
    const seconds = Math.round(timeoutMs / 100) / 10;
    super(
      pollers !== undefined && pollers.length === 0
        ? `run "${runId}" did not answer within ${seconds}s: no worker is polling its task queue "${taskQueue}". ` +
            `Start one (\`reins worker --task-queue ${taskQueue}\`), then check \`reins status ${runId}\`: the ` +
            'server may still deliver this decision to the worker; if it is not listed there, send it again (or with ' +
            '--signal, which waits in the run until a worker takes it).'
        : `run "${runId}" did not answer within ${seconds}s although ${pollers?.length ?? 'some'} worker(s) poll ` +
            `its task queue "${taskQueue}"; the workers may be overloaded or failing. The decision may still be ` +
            `applied: check \`reins status ${runId}\` before sending it again.`,
    );
  }
}
