import { randomUUID } from 'node:crypto';
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowHandle,
} from '@temporalio/client';
import type { ApprovalDecision } from '../common/approval';
import { AGENT_RUN_WORKFLOW, stateQuery, type ApplyPolicyRequest } from '../common/messages';
import type { PriceTable } from '../common/pricing';
import type { RunInputArgs } from '../common/run-input';
import type { ApprovalRequest, DecisionReceipt, PolicyChange, RunResult, RunState } from '../common/run-state';
import { DEFAULT_TASK_QUEUE, DEFAULT_UI_URL } from '../common/task-queues';
import {
  PayloadUnreadableError,
  RunAlreadyExistsError,
  RunEndedError,
  RunNotFoundError,
  StateUnavailableError,
  type UnreadablePart,
} from './errors';
import { reinsDataConverter } from '../shared/payload-storage';
import { clientStoreSettings } from '../shared/store/store-settings';
import { notFoundAware, readResult } from './run-answers';
import { sendDecision, sendPolicyApply } from './run-messages';
import { newestFirst } from './newest-first';
import { loadPriceTable } from './prices';
import { decodeFailureOf, guardDecoding } from './read-guard';
import { prepareRunInput, runPresentation } from './run-start';
import { connectTemporal, type TemporalConnectOptions } from './temporal-connect';
import { storeEnv } from './store-env';
import {
  parseListOptions,
  runSummaryOf,
  runsQuery,
  type ListPendingOptions,
  type ListRunsOptions,
  type RunSummary,
} from './run-queries';

/**
 * Where the server is and how to reach it (address, namespace, TLS, API key) come from the standard Temporal settings:
 * a profile of the Temporal config file, TEMPORAL_* variables over it, then the options here over both.
 */
export interface ReinsClientOptions extends TemporalConnectOptions {
  taskQueue?: string;
  /**
   * The store the workers keep large payloads in: a PostgreSQL URL (as their REINS_STORE) or "fs"; REINS_STORE when
   * unset. Nothing else of the workers' is needed: a client on another machine reads and writes claim checks there.
   */
  store?: string;
  /** The PostgreSQL store's schema, as the workers' REINS_STORE_SCHEMA; REINS_STORE_SCHEMA (else `reins`) when unset. */
  storeSchema?: string;
  /** With the filesystem store: the claim-check directory the workers use; REINS_PAYLOAD_DIR when unset. */
  payloadDir?: string;
  /** The platform policy file runs are checked against before they start; REINS_POLICY_FILE when unset. */
  policyFile?: string;
}

/** A run waiting for decisions, with its open requests read from the run itself. */
export interface PendingRun extends RunSummary {
  requests: ApprovalRequest[];
  /** Set when the run did not answer (no worker): `requests` is then empty and the count comes from visibility. */
  stateError?: string;
  /** Set when the run answered but its answer could not be decoded (wrong keys, claim-check file missing). */
  unreadable?: UnreadablePart[];
}

/** How long a state query may wait for a worker before the run is reported unavailable. */
const DEFAULT_STATE_TIMEOUT_MS = 10_000;
export { DEFAULT_UI_URL };

export interface StartedRun {
  runId: string;
  /** Temporal's id of the first execution in the run's chain. */
  executionId: string;
}

/** Starts runs, reads their state, sends decisions and waits for results. The CLI is built on this and nothing else. */
export class ReinsClient {
  readonly taskQueue: string;

  /** The platform policy file runs are checked against before they start, if any. */
  readonly policyFile?: string;

  constructor(
    readonly temporal: Client,
    options: { taskQueue?: string; policyFile?: string } = {},
  ) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    const policyFile = options.policyFile ?? (process.env.REINS_POLICY_FILE || undefined);
    if (policyFile) this.policyFile = policyFile;
  }

  static async connect(options: ReinsClientOptions = {}): Promise<ReinsClient> {
    const { connection, namespace } = await connectTemporal(options);
    // Large payloads leave a claim in history and the bytes in this store. Without a store anyone named, it is this
    // machine's own directory, which a worker elsewhere cannot read: say so when it is first used.
    const store = clientStoreSettings(options, storeEnv(options));
    const client = new Client({
      connection,
      namespace,
      dataConverter: guardDecoding(
        reinsDataConverter({
          store: store.settings,
          ...(store.declared ? {} : { warn: (message) => console.warn(message) }),
        }),
      ),
    });
    return new ReinsClient(client, {
      taskQueue: options.taskQueue,
      ...(options.policyFile ? { policyFile: options.policyFile } : {}),
    });
  }

  async close(): Promise<void> {
    await this.temporal.connection.close();
  }

  /** Validates the input (refusing it with the bad fields named) and starts the run's workflow. */
  async startRun(raw: RunInputArgs, options: { runId?: string } = {}): Promise<StartedRun> {
    const input = prepareRunInput(raw, {
      priceTable: () => this.priceTable(),
      ...(this.policyFile ? { policyFile: this.policyFile } : {}),
    });
    const runId = options.runId ?? `${input.spec.name}-${randomUUID().slice(0, 8)}`;
    try {
      const handle = await this.temporal.workflow.start(AGENT_RUN_WORKFLOW, {
        workflowId: runId,
        // A run id names one run for good: its workspace, ledger and audit trail are keyed by it, so a new run under
        // an ended run's id would inherit that run's files.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        taskQueue: this.taskQueue,
        args: [input],
        ...runPresentation(input),
      });
      return { runId, executionId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        const status = await this.handle(runId)
          .describe()
          .then((d) => d.status.name.toLowerCase())
          .catch(() => undefined);
        throw new RunAlreadyExistsError(runId, status);
      }
      throw error;
    }
  }

  private prices?: PriceTable;
  /** The operator's price table (defaults plus REINS_PRICES_FILE), read once per client. */
  priceTable(): PriceTable {
    this.prices ??= loadPriceTable();
    return this.prices;
  }

  private handle(runId: string): WorkflowHandle {
    return this.temporal.workflow.getHandle(runId);
  }

  /** The Temporal Web UI page of a run's history. */
  webUiUrl(runId: string, baseUrl: string = DEFAULT_UI_URL): string {
    const namespace = encodeURIComponent(this.temporal.options.namespace);
    return `${baseUrl.replace(/\/+$/, '')}/namespaces/${namespace}/workflows/${encodeURIComponent(runId)}`;
  }

  /**
   * The run's state. A running run answers the query (through a worker, within `timeoutMs`); an ended run's state
   * comes from its recorded result, so it needs no worker at all.
   */
  async getState(runId: string, options: { timeoutMs?: number } = {}): Promise<RunState> {
    const handle = this.handle(runId);
    const description = await notFoundAware(runId, () => handle.describe());
    if (description.status.name !== 'RUNNING') {
      // A run ended from outside has no result of its own, and its state is asked for below; one that cannot be
      // decoded is not to be replaced by whatever else answers.
      const ended = await this.result(runId).catch((error: unknown) => {
        if (error instanceof PayloadUnreadableError) throw error;
        return undefined;
      });
      if (ended) {
        const { transcript: _transcript, ...state } = ended;
        return state;
      }
    }
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_STATE_TIMEOUT_MS);
    try {
      return await this.temporal.connection.withDeadline(deadline, () => handle.query(stateQuery));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new RunNotFoundError(runId);
      const unreadable = decodeFailureOf(error);
      if (unreadable !== undefined) {
        throw new PayloadUnreadableError([
          { what: `the state of run "${runId}" (its answer to the state query)`, error: unreadable },
        ]);
      }
      if (description.status.name !== 'RUNNING') {
        throw new RunEndedError(runId, description.status.name.toLowerCase(), 'it left no state to read');
      }
      throw new StateUnavailableError(runId, description.taskQueue, error);
    }
  }

  /** Runs from Temporal visibility, newest first, filtered by the run's search attributes. */
  async listRuns(raw: ListRunsOptions = {}): Promise<RunSummary[]> {
    const options = parseListOptions(raw);
    const { query, matches } = runsQuery(options);
    const temporal = this.temporal;
    async function* summaries(): AsyncIterable<RunSummary> {
      for await (const info of temporal.workflow.list({ query })) yield runSummaryOf(info);
    }
    return newestFirst(summaries(), options.limit, matches);
  }

  /** Every open run with undecided approvals, each with its pending requests as the run itself reports them. */
  async listPending(options: ListPendingOptions = {}): Promise<PendingRun[]> {
    const { timeoutMs = 5_000, ...filters } = options;
    const runs = await this.listRuns({ ...filters, limit: filters.limit ?? 100, pendingOnly: true });
    const pending = await Promise.all(
      runs.map(async (run): Promise<PendingRun | undefined> => {
        try {
          const state = await this.getState(run.runId, { timeoutMs });
          // Visibility lags the run: a request decided a moment ago may still be counted.
          return state.pendingApprovals.length > 0 ? { ...run, requests: state.pendingApprovals } : undefined;
        } catch (error) {
          if (error instanceof RunNotFoundError) return undefined;
          const message = error instanceof Error ? error.message : String(error);
          if (error instanceof PayloadUnreadableError)
            return { ...run, requests: [], stateError: message, unreadable: error.parts };
          return { ...run, requests: [], stateError: message };
        }
      }),
    );
    return pending.filter((run): run is PendingRun => run !== undefined);
  }

  /**
   * Sends a decision. By update (default) the call returns the recorded decision (with `awaiting` when it is one
   * approval towards a quorum not yet met) or throws DecisionRefusedError with the run's reason; by signal it returns
   * once the signal is delivered, and a bad decision is recorded as ignored.
   */
  async decide(
    runId: string,
    raw: ApprovalDecision,
    options: { via?: 'update' | 'signal'; timeoutMs?: number } = {},
  ): Promise<DecisionReceipt | undefined> {
    return sendDecision(this.temporal, this.handle(runId), raw, options);
  }

  /**
   * Applies the workers' current platform policy to a running run (which otherwise keeps the policy it started with).
   * Returns what changed; the change is recorded in the run's history and audit trail.
   */
  async applyPolicy(
    runId: string,
    raw: ApplyPolicyRequest,
    options: { timeoutMs?: number } = {},
  ): Promise<PolicyChange> {
    return sendPolicyApply(this.temporal, this.handle(runId), raw, options);
  }

  /**
   * Waits for the run to end. A failed run's result comes from its failure details, so nothing is lost; a run ended
   * from outside (terminated, timed out, cancelled) throws RunEndedError.
   */
  async result(runId: string): Promise<RunResult> {
    return readResult(this.handle(runId), runId);
  }
}
