import { randomUUID } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { parseApprovalDecision, type ApprovalDecision } from '../common/approval';
import { AGENT_RUN_WORKFLOW, decideSignal, decideUpdate, stateQuery } from '../common/messages';
import { parseRunInput, type RunInputArgs } from '../common/run-input';
import type { DecisionRecord, RunResult, RunState } from '../common/run-state';
import { ReinsAgent, ReinsStatus, ReinsUser } from '../common/search-attributes';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from '../common/task-queues';
import {
  DecisionRefusedError,
  ReinsClientError,
  RunInputInvalidError,
  RunNotFoundError,
  ServerUnreachableError,
} from './errors';

export interface ReinsClientOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
}

export interface StartedRun {
  runId: string;
  /** Temporal's id of the first execution in the run's chain. */
  executionId: string;
}

function summaryOf(input: { spec: { name: string }; userId: string; prompt: string }): string {
  const prompt = input.prompt.replace(/\s+/g, ' ').trim();
  return `${input.spec.name} for ${input.userId}: ${prompt.length > 80 ? `${prompt.slice(0, 79)}…` : prompt}`;
}

/** Starts runs, reads their state, sends decisions and waits for results. The CLI is built on this and nothing else. */
export class ReinsClient {
  readonly taskQueue: string;

  constructor(
    readonly temporal: Client,
    options: { taskQueue?: string } = {},
  ) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  }

  static async connect(options: ReinsClientOptions = {}): Promise<ReinsClient> {
    const address = options.address ?? DEFAULT_TEMPORAL_ADDRESS;
    let connection: Connection;
    try {
      connection = await Connection.connect({ address, connectTimeout: '5 seconds' });
    } catch (error) {
      throw new ServerUnreachableError(address, error);
    }
    const client = new Client({ connection, namespace: options.namespace ?? DEFAULT_NAMESPACE });
    return new ReinsClient(client, { taskQueue: options.taskQueue });
  }

  async close(): Promise<void> {
    await this.temporal.connection.close();
  }

  /** Validates the input (refusing it with the bad fields named) and starts the run's workflow. */
  async startRun(raw: RunInputArgs, options: { runId?: string } = {}): Promise<StartedRun> {
    const parsed = parseRunInput(raw);
    if (!parsed.ok) throw new RunInputInvalidError(`invalid run input: ${parsed.message}`);
    const input = parsed.value;
    const runId = options.runId ?? `${input.spec.name}-${randomUUID().slice(0, 8)}`;
    try {
      const handle = await this.temporal.workflow.start(AGENT_RUN_WORKFLOW, {
        workflowId: runId,
        taskQueue: this.taskQueue,
        args: [input],
        staticSummary: summaryOf(input),
        staticDetails: `**Agent** ${input.spec.name} · **user** ${input.userId} · **model** ${input.spec.model.name}\n\n${input.prompt}`,
        typedSearchAttributes: [
          { key: ReinsAgent, value: input.spec.name },
          { key: ReinsUser, value: input.userId },
          { key: ReinsStatus, value: 'running' },
        ],
      });
      return { runId, executionId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ReinsClientError(`a run with id "${runId}" already exists`);
      }
      throw error;
    }
  }

  private handle(runId: string): WorkflowHandle {
    return this.temporal.workflow.getHandle(runId);
  }

  async getState(runId: string): Promise<RunState> {
    return this.notFoundAware(runId, () => this.handle(runId).query(stateQuery));
  }

  /**
   * Sends a decision. By update (default) the call returns the recorded decision or throws DecisionRefusedError with
   * the run's reason; by signal it returns once the signal is delivered, and a bad decision is recorded as ignored.
   */
  async decide(
    runId: string,
    raw: ApprovalDecision,
    options: { via?: 'update' | 'signal' } = {},
  ): Promise<DecisionRecord | undefined> {
    const parsed = parseApprovalDecision(raw);
    if (!parsed.ok) throw new DecisionRefusedError(`invalid decision: ${parsed.message}`);
    const handle = this.handle(runId);
    if (options.via === 'signal') {
      await this.notFoundAware(runId, () => handle.signal(decideSignal, parsed.value));
      return undefined;
    }
    try {
      return await this.notFoundAware(runId, () => handle.executeUpdate(decideUpdate, { args: [parsed.value] }));
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        const cause = error.cause;
        throw new DecisionRefusedError(cause instanceof Error ? cause.message : error.message);
      }
      throw error;
    }
  }

  /** Waits for the run to end. A failed run's result comes from its failure details, so nothing is lost. */
  async result(runId: string): Promise<RunResult> {
    try {
      return await this.notFoundAware(runId, () => this.handle(runId).result() as Promise<RunResult>);
    } catch (error) {
      if (error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure) {
        const details = error.cause.details?.[0] as RunResult | undefined;
        if (details && typeof details === 'object' && 'status' in details) return details;
      }
      throw error;
    }
  }

  private async notFoundAware<T>(runId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new RunNotFoundError(runId);
      throw error;
    }
  }
}
