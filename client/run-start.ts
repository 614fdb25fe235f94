import { RunInputInvalidError, PolicyViolationError } from './errors';
import { loadPolicyFile, startViolations } from './policy-check';
import { pricesForModels } from './prices';
import type { PriceTable } from '../common/pricing';
import { parseRunInput, teamOf, type RunInput, type RunInputArgs } from '../common/run-input';
import { ReinsAgent, ReinsStatus, ReinsTeam, ReinsUser } from '../common/search-attributes';

/**
 * What a client brings to a run's input besides the caller's arguments: the operator's files. Not the roles file:
 * who a user is comes from the worker's directory, never from what a client sends.
 */
export interface RunStartSources {
  priceTable: () => PriceTable;
  /** The platform policy a run is checked against before it starts; its spec alone when unset. */
  policyFile?: string;
}

/** Every model a `models` policy may route to (main and per-purpose candidates), so each has its price. */
function candidateModels(spec: unknown): unknown[] {
  const policy = (spec as { models?: { candidates?: unknown; purposes?: { summary?: { candidates?: unknown } } } })
    ?.models;
  const lists = [policy?.candidates, policy?.purposes?.summary?.candidates];
  return lists.flatMap((list) => (Array.isArray(list) ? list.map((c) => (c as { model?: unknown })?.model) : []));
}

/**
 * The validated input of a new run: the caller's arguments with prices from the operator's price file, checked
 * against its spec's limits and the platform policy when the client has it. Throws RunInputInvalidError or PolicyViolationError, naming
 * every bad field or broken rule at once.
 */
export function prepareRunInput(raw: RunInputArgs, sources: RunStartSources): RunInput {
  // Prices are fixed when the run starts, so its costs never change under it when the price file does.
  const spec = raw.spec as { model?: { name?: unknown }; context?: { summaryModel?: unknown } } | undefined;
  const models = [spec?.model?.name, spec?.context?.summaryModel, ...candidateModels(raw.spec)].filter(
    (m): m is string => typeof m === 'string',
  );
  const prices = raw.prices ?? pricesForModels(sources.priceTable(), models);
  // Roles the caller passes go as given: a worker without a directory applies them, one with a directory refuses them.
  const parsed = parseRunInput({ ...raw, prices });
  if (!parsed.ok) throw new RunInputInvalidError(`invalid run input: ${parsed.message}`);
  // The workers hold the authoritative copy of the policy and check again when the run starts.
  const loaded = sources.policyFile ? loadPolicyFile(sources.policyFile) : undefined;
  const violations = startViolations(parsed.value, loaded);
  if (violations.length > 0) throw new PolicyViolationError(violations);
  return parsed.value;
}

function summaryOf(input: RunInput): string {
  const prompt = input.prompt.replace(/\s+/g, ' ').trim();
  return `${input.spec.name} for ${input.userId}: ${prompt.length > 80 ? `${prompt.slice(0, 79)}…` : prompt}`;
}

/** What the Temporal UI shows of a run from its first moment: summary, details and the search attributes to find it. */
export function runPresentation(input: RunInput) {
  const team = teamOf(input);
  return {
    staticSummary: summaryOf(input),
    staticDetails: `**Agent** ${input.spec.name} · **user** ${input.userId} · **team** ${team} · **model** ${input.spec.model.name}\n\n${input.prompt}`,
    typedSearchAttributes: [
      { key: ReinsAgent, value: input.spec.name },
      { key: ReinsUser, value: input.userId },
      { key: ReinsTeam, value: team },
      { key: ReinsStatus, value: 'running' },
    ],
  };
}
