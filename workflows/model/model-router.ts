import { ApplicationFailure, isCancellation, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { ReinsActivities } from '../../activities';
import type { AgentSpec } from '../../common/agent-spec';
import { ErrorType } from '../../common/errors';
import type { ConversationDelta, ModelTurn, SummaryResult, TokenUsage } from '../../common/chat';
import { costOf, priceFor, type ModelPrice, type PriceTable } from '../../common/pricing';
import { addToTotal, nonNegative, readableUsage } from '../../common/token-usage';
import { DEFAULT_PROVIDER, type ModelChoice, type ModelPolicy, type ProviderOutcome } from '../../common/providers';
import type { ModelAttemptRecord, RunRecord } from '../../common/run-state';
import {
  MODEL_ACTIVITY_OPTIONS,
  PROVIDER_HEALTH_ACTIVITY_OPTIONS,
  routedModelActivityOptions,
} from '../activity-options';
import { promptAllowance } from '../budget/run-limits';
import { classifyFailure } from './routing-failure';
import { largerWindowThan, planRoute, resolveCandidates, type RouteCandidate } from './routing';
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

/** Text from an activity result, of bounded length, whatever it arrived as. */
function textOf(value: unknown, absent: string, max = 256): string {
  return typeof value === 'string' ? value.slice(0, max) : absent;
}

/**
 * Adds a call to the run's bill: per-call record and totals. An unpriced call marks the total as incomplete. The
 * result may come from any worker version, so its numbers are read, not trusted: counts are whole and non-negative,
 * the cost is finite, and the totals only ever go up.
 */
export function recordModelCall(
  state: RunRecord,
  call: {
    usage: TokenUsage;
    provider: string;
    model: string;
    latencyMs: number;
    finishReason?: string;
    warnings?: string[];
  },
  requested: {
    model: string;
    price: ModelPrice | undefined;
    maxOutputTokens: number | undefined;
    purpose?: 'compaction';
  },
): number | null {
  const used = readableUsage(call.usage ?? {});
  const costUsd = requested.price ? nonNegative(costOf(requested.price, used)) : null;
  state.modelCalls.push({
    step: state.step,
    provider: textOf(call.provider, 'unknown'),
    model: requested.model,
    responseModel: textOf(call.model, requested.model),
    inputTokens: used.inputTokens,
    outputTokens: used.outputTokens,
    cachedInputTokens: used.cachedInputTokens,
    costUsd,
    latencyMs: nonNegative(call.latencyMs),
    ...(requested.maxOutputTokens !== undefined ? { maxOutputTokens: requested.maxOutputTokens } : {}),
    finishReason: textOf(call.finishReason, 'stop'),
    ...(requested.purpose ? { purpose: requested.purpose } : {}),
    at: new Date(Date.now()).toISOString(),
  });
  const usage = state.usage;
  usage.inputTokens = addToTotal(usage.inputTokens, used.inputTokens);
  usage.outputTokens = addToTotal(usage.outputTokens, used.outputTokens);
  usage.cachedInputTokens = addToTotal(usage.cachedInputTokens, used.cachedInputTokens);
  usage.totalTokens = addToTotal(usage.inputTokens, usage.outputTokens);
  usage.modelCalls = addToTotal(usage.modelCalls, 1);
  if (costUsd === null) usage.costUnknown = true;
  else usage.costUsd = addToTotal(usage.costUsd, costUsd);
  // Said once: the same trouble on every step would otherwise grow the state by a line a step.
  for (const warning of Array.isArray(call.warnings) ? call.warnings : []) {
    const text = textOf(warning, '', 1000);
    if (text && !state.warnings.includes(text)) state.warnings.push(text);
  }
  return costUsd;
}

/** The model that answered the last call, for its bill. */
export interface Answered {
  provider: string;
  model: string;
  price: ModelPrice | undefined;
}

type Purpose = ModelAttemptRecord['purpose'];
type Capability = ModelPolicy['requires'][number];
const iso = (ms: number) => new Date(ms).toISOString();

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
        this.options(policy, candidate, `model ${label(candidate)} · step ${step}`, attempt),
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
        this.options(policy, candidate, `compact context with ${label(candidate)} · step ${request.step}`, attempt),
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

  private record(entry: Omit<ModelAttemptRecord, 'at'>): void {
    (this.state.modelAttempts ??= []).push({ ...entry, at: iso(Date.now()) });
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
    const lines: string[] = [];
    for (const { candidate, why } of plan.skipped) {
      this.record({ step, purpose, attempt: 0, ...pick(candidate), outcome: 'skipped', message: why });
      lines.push(`${label(candidate)}: skipped, ${why}`);
    }
    const outcomes: Array<ProviderOutcome & { provider: string }> = [];
    let queue = plan.order;
    try {
      for (let attempt = 1; queue.length > 0; attempt += 1) {
        const candidate = queue[0]!;
        queue = queue.slice(1);
        try {
          const result = await call(candidate, attempt);
          this.record({ step, purpose, attempt, ...pick(candidate), outcome: 'ok', latencyMs: result.latencyMs });
          outcomes.push({ provider: candidate.provider, at: Date.now(), ok: true, latencyMs: result.latencyMs });
          this.answered = { ...pick(candidate), price: candidate.price };
          return result;
        } catch (error) {
          if (isCancellation(error)) throw error;
          const failure = classifyFailure(error, policy);
          const { type: errorType, message } = failure;
          this.record({ step, purpose, attempt, ...pick(candidate), outcome: 'failed', errorType, message });
          lines.push(`attempt ${attempt} ${label(candidate)}: ${errorType}: ${message}`);
          // Only the provider's own trouble counts against its health; a prompt too long or a bad request does not.
          if (failure.action === 'next' && errorType !== ErrorType.ProviderUnknown) {
            outcomes.push({ provider: candidate.provider, at: Date.now(), ok: false, errorType });
          }
          if (failure.action === 'stop' || failure.action === 'resend') throw error;
          if (failure.action === 'larger-window') {
            queue = largerWindowThan(queue, candidate.contextWindow);
            if (queue.length === 0) throw error;
          }
        }
      }
    } finally {
      if (outcomes.length > 0) {
        await recordProviderOutcomes({ outcomes }).catch((error: unknown) => {
          if (!isCancellation(error)) this.state.warnings.push(`step ${step}: provider health not recorded`);
        });
      }
    }
    throw ApplicationFailure.create({
      type: ErrorType.ModelsUnavailable,
      message: `no model could answer (${purpose}, step ${step}): ${lines.join('; ') || 'no candidates'}`,
      nonRetryable: true,
    });
  }
}

const label = (candidate: RouteCandidate) => `${candidate.model} via ${candidate.provider}`;
const pick = (candidate: RouteCandidate) => ({ provider: candidate.provider, model: candidate.model });
