import { z } from 'zod';
import { AgentSpecSchema } from './agent-spec';
import { BudgetOverridesSchema } from './budget';
import { DEFAULT_TEAM, TeamNameSchema } from './policy/platform-policy';
import { PriceTableSchema, priceFor } from './pricing';
import { RoleDefinitionSchema } from './policy/tool-settings';
import { describeZodIssues } from './zod-issues';
import { CredentialSchema } from './identity/credentials';

export const SpendCapSchema = z.strictObject({
  /** USD a user's runs may spend per UTC day, across all their runs. */
  dailyUsd: z.number().positive(),
});

export const RunInputSchema = z
  .strictObject({
    spec: AgentSpecSchema,
    prompt: z.string().min(1, 'prompt must not be empty'),
    /** Who the run acts for; recorded on every call and shown in the Temporal UI. */
    userId: z.string().min(1, 'userId must not be empty').max(200),
    /** Proof of `userId` from the organisation's identity provider; required when the platform policy says so. */
    credential: CredentialSchema.optional(),
    /**
     * Roles per user id, for single-user setups whose workers have no directory; refused when the worker has one
     * (its directory alone says who holds which role).
     */
    roles: z.record(z.string(), z.array(z.string().min(1))).default({}),
    /** What each role may use, likewise only without a worker directory; when any are defined, tools follow roles. */
    roleDefinitions: z.record(z.string(), RoleDefinitionSchema).default({}),
    /** Lower limits for this run only; a value above the spec's or the platform policy's is refused at start. */
    budget: BudgetOverridesSchema.prefault({}),
    /** Prices of the run's models, resolved when the run starts (defaults plus the operator's price file). */
    prices: PriceTableSchema.default({}),
    spendCap: SpendCapSchema.optional(),
    /** The team the run is for; the agent spec's team when unset, else `default`. Its platform policy scope applies. */
    team: TeamNameSchema.optional(),
  })
  .superRefine((input, ctx) => {
    const spec = input.spec;
    const overrides = input.budget;
    const costed = overrides.maxCostUsd ?? spec.budget.maxCostUsd;
    if ((costed !== undefined || input.spendCap) && !priceFor(input.prices, spec.model.name)) {
      ctx.addIssue({
        code: 'custom',
        path: costed !== undefined ? ['spec', 'budget', 'maxCostUsd'] : ['spendCap'],
        message: `a cost limit needs a price for model "${spec.model.name}"; add it to the price file (REINS_PRICES_FILE)`,
      });
    }
  });
export type RunInput = z.output<typeof RunInputSchema>;
export type RunInputArgs = z.input<typeof RunInputSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validates a run's input; the message names every bad field (e.g. `spec.model.name: ...`). */
export function parseRunInput(raw: unknown): ParseResult<RunInput> {
  const result = RunInputSchema.safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, message: describeZodIssues(result.error) };
}

/** The team a run is for: the caller's choice, else the agent's own team, else `default`. */
export function teamOf(input: Pick<RunInput, 'team' | 'spec'>): string {
  return input.team ?? input.spec.team ?? DEFAULT_TEAM;
}
