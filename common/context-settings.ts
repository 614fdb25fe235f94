import { z } from 'zod';

/**
 * How a run keeps its prompt inside the model's window and its history inside Temporal's limits: older turns are
 * summarised past `compactAt` of the usable window, and the workflow continues as new every `continueAsNewEvery`
 * model calls (or sooner, when Temporal suggests it).
 */
export const ContextSettingsSchema = z.strictObject({
  /** Fraction of (context window − output reserve) at which older turns are summarised. */
  compactAt: z.number().gt(0).lt(1).default(0.75),
  /** Messages at the end of the transcript that are never summarised. */
  keepRecentMessages: z.number().int().min(2).default(6),
  /** A cheaper model for summaries; the agent's model when unset. */
  summaryModel: z.string().min(1).optional(),
  summaryMaxTokens: z.number().int().positive().default(1024),
  continueAsNewEvery: z.number().int().positive().default(100),
});
export type ContextSettings = z.output<typeof ContextSettingsSchema>;
