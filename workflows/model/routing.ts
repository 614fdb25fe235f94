import type { ModelPrice, PriceTable } from '../../common/pricing';
import { priceFor } from '../../common/pricing';
import type {
  ModelCandidate,
  ModelCapabilities,
  ModelPolicy,
  ProviderOutcome,
  RoutingSnapshot,
  RoutingStrategy,
} from '../../common/providers';
import { ownValue } from '../../common/own';

/** A candidate with everything routing needs to know about it, resolved from the spec, prices and the worker. */
export interface RouteCandidate {
  provider: string;
  model: string;
  contextWindow: number;
  price?: ModelPrice;
  capabilities: ModelCapabilities;
  /** The provider's own task queue when it is rate limited. */
  taskQueue?: string;
}

export interface SkippedCandidate {
  candidate: RouteCandidate;
  why: string;
}

export interface RoutePlan {
  order: RouteCandidate[];
  skipped: SkippedCandidate[];
}

const DEFAULT_CAPABILITIES: ModelCapabilities = { tools: true, jsonOutput: false };
/** Outcomes of a provider considered for its latency and error rate. */
const RECENT = 20;

export function resolveCandidates(
  candidates: ModelCandidate[],
  snapshot: RoutingSnapshot,
  prices: PriceTable,
  fallbackWindow: number,
): RouteCandidate[] {
  return candidates.map((candidate) => {
    const facts = ownValue(snapshot.providers, candidate.provider);
    const known = ownValue(facts?.models, candidate.model);
    const price = priceFor(prices, candidate.model) ?? known?.prices;
    return {
      provider: candidate.provider,
      model: candidate.model,
      contextWindow: candidate.contextWindow ?? known?.contextWindow ?? fallbackWindow,
      capabilities: known?.capabilities ?? DEFAULT_CAPABILITIES,
      ...(price ? { price } : {}),
      ...(facts?.taskQueue ? { taskQueue: facts.taskQueue } : {}),
    };
  });
}

/** Open after `failures` consecutive failures, the latest within `window`; it closes once `window` has passed. */
export function circuitOpen(
  outcomes: ProviderOutcome[],
  circuit: ModelPolicy['circuit'],
  nowMs: number,
): { open: false } | { open: true; untilMs: number; failures: number } {
  let failures = 0;
  for (let i = outcomes.length - 1; i >= 0; i -= 1) {
    const outcome = outcomes[i]!;
    if (outcome.ok || nowMs - outcome.at > circuit.window) break;
    failures += 1;
  }
  const last = outcomes[outcomes.length - 1];
  if (failures < circuit.failures || !last) return { open: false };
  return { open: true, untilMs: last.at + circuit.window, failures };
}

/** Mean latency of the recent successful calls; undefined when none was observed. */
export function observedLatencyMs(outcomes: ProviderOutcome[]): number | undefined {
  const latencies = outcomes
    .slice(-RECENT)
    .filter((o) => o.ok && o.latencyMs !== undefined)
    .map((o) => o.latencyMs!);
  return latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : undefined;
}

export function errorRate(outcomes: ProviderOutcome[]): number {
  const recent = outcomes.slice(-RECENT);
  return recent.length ? recent.filter((o) => !o.ok).length / recent.length : 0;
}

/** A blended price per million tokens (input weighted 3:1 over output, as prompts usually outweigh answers). */
export function blendedPrice(price: ModelPrice | undefined): number {
  return price ? (3 * price.input + price.output) / 4 : Number.POSITIVE_INFINITY;
}

function sortStable<T>(items: T[], key: (item: T) => number): T[] {
  return items
    .map((item, index) => ({ item, index, key: key(item) }))
    .sort((a, b) => (a.key === b.key ? a.index - b.index : a.key - b.key))
    .map((entry) => entry.item);
}

/**
 * The order to try candidates in, and those left out: incapable ones, and those whose provider's circuit is open.
 * `cheapest` ranks unpriced models last; `fastest` ranks unmeasured providers first so each gets measured, and
 * breaks ties by error rate.
 */
export function planRoute(
  candidates: RouteCandidate[],
  strategy: RoutingStrategy,
  options: {
    health: Record<string, ProviderOutcome[]>;
    circuit: ModelPolicy['circuit'];
    requires: Array<keyof ModelCapabilities>;
    nowMs: number;
  },
): RoutePlan {
  const skipped: SkippedCandidate[] = [];
  const usable: RouteCandidate[] = [];
  for (const candidate of candidates) {
    const missing = options.requires.filter((capability) => !candidate.capabilities[capability]);
    const circuit = circuitOpen(ownValue(options.health, candidate.provider) ?? [], options.circuit, options.nowMs);
    if (missing.length) skipped.push({ candidate, why: `lacks ${missing.join(', ')}` });
    else if (circuit.open) {
      const until = new Date(circuit.untilMs).toISOString();
      skipped.push({ candidate, why: `circuit open after ${circuit.failures} failures, until ${until}` });
    } else usable.push(candidate);
  }
  let order = usable;
  if (strategy === 'cheapest') order = sortStable(usable, (c) => blendedPrice(c.price));
  if (strategy === 'fastest') {
    const outcomesOf = (c: RouteCandidate) => ownValue(options.health, c.provider) ?? [];
    order = sortStable(usable, (c) => errorRate(outcomesOf(c)));
    order = sortStable(order, (c) => observedLatencyMs(outcomesOf(c)) ?? -1);
  }
  return { order, skipped };
}

/** After a context-length failure at `window`, only candidates with a larger window are worth trying (in order). */
export function largerWindowThan(remaining: RouteCandidate[], window: number): RouteCandidate[] {
  return remaining.filter((c) => c.contextWindow > window);
}
