import { ApplicationFailure, isCancellation, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { ReinsActivities } from '../../activities';
import type { AgentSpec } from '../../common/agent-spec';
import { ErrorType } from '../../common/errors';
import type { ConversationDelta, ModelTurn, SummaryResult } from '../../common/chat';
import { priceFor, type ModelPrice, type PriceTable } from '../../common/pricing';
import { DEFAULT_PROVIDER, type ModelChoice, type ModelPolicy } from '../../common/providers';
import type { ModelAttemptRecord, RunRecord } from '../../common/run-state';
import {
  MODEL_ACTIVITY_OPTIONS,
  PROVIDER_HEALTH_ACTIVITY_OPTIONS,
  routedModelActivityOptions,
} from '../activity-options';
import { promptAllowance } from '../budget/run-limits';
import { attemptFailureOf } from '../run/failures';
import { FailoverAttempts, routeLabel } from './failover-attempts';
import { classifyModelAttempt } from './routing-failure';
import { planRoute, resolveCandidates, type RouteCandidate } from './routing';
import { traceRoutePrices } from '../telemetry/run-trace';

const { callModel, summarizeConversation } = proxyActivities<ReinsActivities>(MODEL_ACTIVITY_OPTIONS);
const { routingSnapshot, recordProviderOutcomes } = proxyActivities<ReinsActivities>(PROVIDER_HEALTH_ACTIVITY_OPTIONS);

/** One model activity, summarised for the Temporal UI with the model and step. */
export function callModelForStep(
  spec: AgentSpec,
  step: number,
  conversation: ConversationDelta,
  limits: { maxOutputTokens: number | undefined; maxPromptTokens: number; earlierTokens?: number },
  userId?: string,
): Promise<ModelTurn> {
  return callModel.executeWithOptions(
    { ...MODEL_ACTIVITY_OPTIONS, summary: `model ${spec.model.name} · step ${step}` },
    [
      {
        model: spec.model.name,
        conversation,
        temperature: spec.model.temperature,
        maxOutputTokens: limits.maxOutputTokens,
        maxPromptTokens: limits.maxPromptTokens,
        ...(limits.earlierTokens !== undefined ? { earlierTokens: limits.earlierTokens } : {}),
        userId,
        step,
      },
    ],
  );
}

export function summarize(
  model: string,
  request: { conversationId: string; start: number; upTo: number; maxOutputTokens: number; step: number },
): Promise<SummaryResult> {
  return summarizeConversation.executeWithOptions(
    { ...MODEL_ACTIVITY_OPTIONS, summary: `compact context with ${model} · step ${request.step}` },
    [{ model, ...request }],
  );
}

/** The model that answered the last call, for its bill. */
export interface Answered {
  provider: string;
  model: string;
  price: ModelPrice | undefined;
}

type Purpose = ModelAttemptRecord['purpose'];
type Capability = ModelPolicy['requires'][number];

/**
 * Chooses the provider and model of each call from the spec's `models` policy, the worker's provider facts and the
 * providers' shared health, and moves to the next candidate when one fails. Every decision is made here, in the
 * workflow, from activity results, so the history shows each attempt. Without a policy it is the plain model call.
 */
export class ModelRouter {
  answered: Answered;

  constructor(
    private readonly spec: AgentSpec,
    private readonly prices: PriceTable,
    private readonly state: RunRecord,
  ) {
    this.answered = { provider: DEFAULT_PROVIDER, model: spec.model.name, price: priceFor(prices, spec.model.name) };
  }

  step(
    step: number,
    conversation: ConversationDelta,
    hasTools: boolean,
    limits: { maxOutputTokens: number | undefined; maxPromptTokens: number; earlierTokens?: number },
  ): Promise<ModelTurn> {
    const policy = this.spec.models;
    if (!policy) {
      const model = this.spec.model.name;
      this.answered = { provider: DEFAULT_PROVIDER, model, price: priceFor(this.prices, model) };
      return callModelForStep(this.spec, step, conversation, limits, this.state.userId);
    }
    const requires: Capability[] = [...policy.requires];
    if (hasTools && !requires.includes('tools')) requires.push('tools');
    const reserve = limits.maxOutputTokens ?? this.spec.model.outputReserve;
    return this.route('step', step, policy, policy, requires, (candidate, attempt) =>
      callModel.executeWithOptions(
        this.options(policy, candidate, `model ${routeLabel(candidate)} · step ${step}`, attempt),
        [
          {
            provider: candidate.provider,
            model: candidate.model,
            conversation,
            temperature: this.spec.model.temperature,
            maxOutputTokens: limits.maxOutputTokens,
            maxPromptTokens: promptAllowance(candidate.contextWindow, reserve),
            ...(limits.earlierTokens !== undefined ? { earlierTokens: limits.earlierTokens } : {}),
            userId: this.state.userId,
            step,
          },
        ],
      ),
    );
  }

  /** Summaries for compaction: `models.purposes.summary`, else context.summaryModel, else the main candidates. */
  summarize(request: {
    conversationId: string;
    start: number;
    upTo: number;
    maxOutputTokens: number;
    step: number;
  }): Promise<SummaryResult> {
    const policy = this.spec.models;
    const summaryModel = this.spec.context.summaryModel;
    if (!policy) {
      const model = summaryModel ?? this.spec.model.name;
      this.answered = { provider: DEFAULT_PROVIDER, model, price: priceFor(this.prices, model) };
      return summarize(model, request);
    }
    const primary = policy.candidates[0]!;
    const choice: ModelChoice =
      policy.purposes.summary ??
      (summaryModel
        ? { candidates: [{ provider: primary.provider, model: summaryModel }], strategy: 'failover' }
        : policy);
    return this.route('compaction', request.step, policy, choice, [], (candidate, attempt) =>
      summarizeConversation.executeWithOptions(
        this.options(
          policy,
          candidate,
          `compact context with ${routeLabel(candidate)} · step ${request.step}`,
          attempt,
        ),
        [{ provider: candidate.provider, model: candidate.model, ...request }],
      ),
    );
  }

  private options(policy: ModelPolicy, candidate: RouteCandidate, what: string, attempt: number): ActivityOptions {
    return {
      ...routedModelActivityOptions(policy),
      summary: `${what} · attempt ${attempt}`,
      ...(candidate.taskQueue ? { taskQueue: candidate.taskQueue } : {}),
    };
  }

  private async route<T extends { latencyMs: number }>(
    purpose: Purpose,
    step: number,
    policy: ModelPolicy,
    choice: ModelChoice,
    requires: Capability[],
    call: (candidate: RouteCandidate, attempt: number) => Promise<T>,
  ): Promise<T> {
    const snapshot = await routingSnapshot.executeWithOptions(
      { ...PROVIDER_HEALTH_ACTIVITY_OPTIONS, summary: `route ${purpose} · step ${step}` },
      [{ providers: choice.candidates.map((c) => c.provider) }],
    );
    const health = Object.fromEntries(Object.entries(snapshot.providers).map(([name, p]) => [name, p.health]));
    const candidates = resolveCandidates(choice.candidates, snapshot, this.prices, this.spec.model.contextWindow);
    traceRoutePrices(candidates);
    const plan = planRoute(candidates, choice.strategy, {
      health,
      circuit: policy.circuit,
      requires,
      nowMs: Date.now(),
    });
    const attempts = new FailoverAttempts(purpose, step, plan, Date.now(), (entry) =>
      (this.state.modelAttempts ??= []).push(entry),
    );
    try {
      for (let next = attempts.next(); next; next = attempts.next()) {
        const { candidate, attempt } = next;
        try {
          const result = await call(candidate, attempt);
          attempts.succeeded(candidate, result.latencyMs, Date.now());
          this.answered = { provider: candidate.provider, model: candidate.model, price: candidate.price };
          return result;
        } catch (error) {
          if (isCancellation(error)) throw error;
          const failure = classifyModelAttempt(attemptFailureOf(error), policy);
          if (attempts.failed(candidate, failure, Date.now()) === 'rethrow') throw error;
        }
      }
    } finally {
      if (attempts.outcomes.length > 0) {
        await recordProviderOutcomes({ outcomes: attempts.outcomes }).catch((error: unknown) => {
          if (!isCancellation(error)) this.state.warnings.push(`step ${step}: provider health not recorded`);
        });
      }
    }
    throw ApplicationFailure.create({
      type: ErrorType.ModelsUnavailable,
      message: attempts.exhausted(),
      nonRetryable: true,
    });
  }
}
