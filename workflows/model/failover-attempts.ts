import { ErrorType } from '../../common/errors';
import type { ProviderOutcome } from '../../common/providers';
import type { ModelAttemptRecord } from '../../common/run-state';
import type { ClassifiedFailure } from './routing-failure';
import { largerWindowThan, type RouteCandidate, type RoutePlan } from './routing';

/** What the router does after a failed attempt: try the next candidate, or give up with the attempt's own error. */
export type AfterFailure = 'try-next' | 'rethrow';

/**
 * The bookkeeping of one routed call, apart from the calls themselves: which candidate is next, what each attempt is
 * recorded as in the run's state, which outcomes count towards the providers' shared health, and what the run is told
 * when no candidate answered. The router feeds it results; it never calls anything.
 */
export class FailoverAttempts {
  /** Outcomes for the providers' health ledger: successes and the providers' own failures only. */
  readonly outcomes: Array<ProviderOutcome & { provider: string }> = [];
  private readonly lines: string[] = [];
  private queue: RouteCandidate[];
  private attempt = 0;

  constructor(
    private readonly purpose: ModelAttemptRecord['purpose'],
    private readonly step: number,
    plan: Pick<RoutePlan, 'order' | 'skipped'>,
    nowMs: number,
    /** Where each attempt is recorded as it happens (the run's state, so a query mid-route sees the earlier ones). */
    private readonly record: (entry: ModelAttemptRecord) => void,
  ) {
    this.queue = [...plan.order];
    const at = iso(nowMs);
    for (const { candidate, why } of plan.skipped) {
      record({ step, purpose, attempt: 0, ...pick(candidate), outcome: 'skipped', message: why, at });
      this.lines.push(`${routeLabel(candidate)}: skipped, ${why}`);
    }
  }

  /** The next candidate to try and its attempt number, or undefined when none is left. */
  next(): { candidate: RouteCandidate; attempt: number } | undefined {
    const candidate = this.queue[0];
    if (!candidate) return undefined;
    this.queue = this.queue.slice(1);
    this.attempt += 1;
    return { candidate, attempt: this.attempt };
  }

  succeeded(candidate: RouteCandidate, latencyMs: number, nowMs: number): void {
    const { step, purpose, attempt } = this;
    this.record({ step, purpose, attempt, ...pick(candidate), outcome: 'ok', latencyMs, at: iso(nowMs) });
    this.outcomes.push({ provider: candidate.provider, at: nowMs, ok: true, latencyMs });
  }

  failed(candidate: RouteCandidate, failure: ClassifiedFailure, nowMs: number): AfterFailure {
    const { step, purpose, attempt } = this;
    const { type: errorType, message, action } = failure;
    this.record({ step, purpose, attempt, ...pick(candidate), outcome: 'failed', errorType, message, at: iso(nowMs) });
    this.lines.push(`attempt ${attempt} ${routeLabel(candidate)}: ${errorType}: ${message}`);
    // Only the provider's own trouble counts against its health; a prompt too long or a bad request does not.
    if (action === 'next' && errorType !== ErrorType.ProviderUnknown) {
      this.outcomes.push({ provider: candidate.provider, at: nowMs, ok: false, errorType });
    }
    if (action === 'stop' || action === 'resend') return 'rethrow';
    if (action === 'larger-window') {
      this.queue = largerWindowThan(this.queue, candidate.contextWindow);
      if (this.queue.length === 0) return 'rethrow';
    }
    return 'try-next';
  }

  /** Why no model answered, attempt by attempt, for the run's error. */
  exhausted(): string {
    return `no model could answer (${this.purpose}, step ${this.step}): ${this.lines.join('; ') || 'no candidates'}`;
  }
}

export const routeLabel = (candidate: RouteCandidate) => `${candidate.model} via ${candidate.provider}`;
const iso = (ms: number) => new Date(ms).toISOString();
const pick = (candidate: RouteCandidate) => ({ provider: candidate.provider, model: candidate.model });
