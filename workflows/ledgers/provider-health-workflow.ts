import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  providerHealthQuery,
  providerHealthWorkflowId,
  recordProviderOutcomesUpdate,
  type ProviderHealth,
  type ProviderOutcome,
} from '../../common/providers';

/** Enough outcomes for a circuit and a latency average; older ones say little about the provider now. */
const KEPT = 50;
const MAX_AGE_MS = 60 * 60_000;

/**
 * One provider's recent outcomes, shared by every run. Updates are serialised by the workflow, so concurrent runs
 * never lose each other's outcomes; routing decisions (circuit, latency, error rate) are made by each run from them.
 */
export async function providerHealth(carried?: ProviderOutcome[]): Promise<never> {
  const provider = workflowInfo().workflowId.replace(providerHealthWorkflowId(''), '');
  let outcomes: ProviderOutcome[] = carried ?? [];
  const view = (): ProviderHealth => ({ provider, outcomes });

  setHandler(recordProviderOutcomesUpdate, (added) => {
    const cutoff = Date.now() - MAX_AGE_MS;
    outcomes = [...outcomes, ...added]
      .filter((o) => o.at >= cutoff)
      .sort((a, b) => a.at - b.at)
      .slice(-KEPT);
    return view();
  });
  setHandler(providerHealthQuery, view);

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  return continueAsNew<typeof providerHealth>(outcomes);
}
