import { z } from 'zod';
import { DurationSchema } from './duration';

const positiveInt = z.number().int().positive();

/**
 * Limits a run may not exceed. Token and cost limits are enforced before each model call and bound each call's output,
 * so a run overshoots a token or cost limit by at most one prompt.
 */
export const BudgetSchema = z.strictObject({
  maxToolCalls: positiveInt.optional(),
  maxInputTokens: positiveInt.optional(),
  maxOutputTokens: positiveInt.optional(),
  maxTotalTokens: positiveInt.optional(),
  maxCostUsd: z.number().positive().optional(),
  /** Wall clock from the run's start, enforced by a timer even while the run waits. */
  maxDuration: DurationSchema.optional(),
});
export type Budget = z.output<typeof BudgetSchema>;
export type BudgetName = keyof Budget | 'maxSteps';

/** What a caller may lower for one run; raising a limit above the spec's is refused. */
export const BudgetOverridesSchema = BudgetSchema.extend({ maxSteps: positiveInt.max(10_000).optional() });
export type BudgetOverrides = z.output<typeof BudgetOverridesSchema>;
