import { z } from 'zod';
import type { TokenUsage } from './chat';

/**
 * The most tokens one model call is believed to have used. Larger windows exist, but not by orders of magnitude; a
 * report above this is a provider bug or a hostile server, and clamping it keeps a run's totals far inside the
 * integers a search attribute and a double can hold exactly, for any number of steps a run may take.
 */
export const MAX_CALL_TOKENS = 100_000_000;

/** A token count as a provider may report it: a finite, non-negative number, clamped and made whole. */
export const TokenCountSchema = z
  .number()
  .nonnegative()
  .transform((value) => Math.min(Math.floor(value), MAX_CALL_TOKENS));

/** A token count that can be believed, or undefined for a negative or infinite number, NaN or a non-number. */
export function tokenCount(value: unknown): number | undefined {
  const parsed = TokenCountSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** One call's usage with every count readable; cached input is part of the input, never more than it. */
export function readableUsage(usage: { [K in keyof TokenUsage]?: unknown }): TokenUsage {
  const inputTokens = tokenCount(usage.inputTokens) ?? 0;
  return {
    inputTokens,
    outputTokens: tokenCount(usage.outputTokens) ?? 0,
    cachedInputTokens: Math.min(tokenCount(usage.cachedInputTokens) ?? 0, inputTokens),
  };
}

/** A finite, non-negative amount (tokens or dollars); anything else counts as nothing. */
export function nonNegative(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** A running total plus an amount: never lower than the total, never past what a double counts exactly. */
export function addToTotal(total: unknown, amount: unknown): number {
  return Math.min(nonNegative(total) + nonNegative(amount), Number.MAX_SAFE_INTEGER);
}
