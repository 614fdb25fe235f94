import { Context, log } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import {
  PROVIDER_HEALTH_WORKFLOW,
  providerHealthQuery,
  providerHealthWorkflowId,
  recordProviderOutcomesUpdate,
  type ProviderOutcome,
  type RoutingSnapshot,
} from '../../common/providers';
import type { ProviderRegistry } from './provider-registry';

const QUERY_DEADLINE_MS = 3_000;

/**
 * The shared health of providers, one entity workflow each, read before routing and written after each routed call.
 * The workflow keeps the ledger durable; these activities are how a run reaches it.
 */
export function createProviderHealthActivities(registry: ProviderRegistry | undefined) {
  return {
    /** Facts (rate-limit queue, windows, prices, capabilities) and recent outcomes of the named providers. */
    async routingSnapshot(input: { providers: string[] }): Promise<RoutingSnapshot> {
      const client = Context.current().client;
      const entries = await Promise.all(
        [...new Set(input.providers)].map(async (provider) => {
          const facts = registry?.facts(provider) ?? { provider, known: false, models: {} };
          let health: ProviderOutcome[] = [];
          try {
            const handle = client.workflow.getHandle(providerHealthWorkflowId(provider));
            health = (
              await client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
                handle.query(providerHealthQuery),
              )
            ).outcomes;
          } catch (error) {
            // A provider nobody has called yet has no ledger: it counts as healthy. A ledger that does not answer
            // in time must not hold the run up either: routing goes on without its health.
            if (!(error instanceof WorkflowNotFoundError)) {
              log.warn('provider health unavailable', { provider, error: String(error) });
            }
          }
          return [provider, { ...facts, health }] as const;
        }),
      );
      return { providers: Object.fromEntries(entries) };
    },

    /** Appends outcomes to each provider's ledger, starting the ledger on first use. */
    async recordProviderOutcomes(input: { outcomes: Array<ProviderOutcome & { provider: string }> }): Promise<void> {
      const context = Context.current();
      const byProvider = new Map<string, ProviderOutcome[]>();
      for (const { provider, ...outcome } of input.outcomes) {
        byProvider.set(provider, [...(byProvider.get(provider) ?? []), outcome]);
      }
      await Promise.all(
        [...byProvider].map(([provider, outcomes]) =>
          context.client.workflow.executeUpdateWithStart(recordProviderOutcomesUpdate, {
            args: [outcomes],
            startWorkflowOperation: new WithStartWorkflowOperation(PROVIDER_HEALTH_WORKFLOW, {
              workflowId: providerHealthWorkflowId(provider),
              taskQueue: context.info.taskQueue,
              args: [],
              workflowIdConflictPolicy: 'USE_EXISTING',
            }),
          }),
        ),
      );
    },
  };
}
