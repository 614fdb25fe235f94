import { z } from 'zod';
import { ownValue } from './own';

/** USD per million tokens. `cachedInput` defaults to `input` when a provider has no cache discount. */
export const ModelPriceSchema = z.strictObject({
  input: z.number().nonnegative(),
  cachedInput: z.number().nonnegative().optional(),
  output: z.number().nonnegative(),
});
export type ModelPrice = z.output<typeof ModelPriceSchema>;

export const PriceTableSchema = z.record(z.string().min(1), ModelPriceSchema);
export type PriceTable = z.output<typeof PriceTableSchema>;

/**
 * Defaults for common models (list prices, USD per million tokens). Operators override or extend them with a price
 * file (REINS_PRICES_FILE); a model missing from both has an unknown cost, never a silent zero.
 */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  'o3-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
  'claude-3-5-haiku': { input: 0.8, cachedInput: 0.08, output: 4 },
  'claude-sonnet-4': { input: 3, cachedInput: 0.3, output: 15 },
  'claude-opus-4': { input: 15, cachedInput: 1.5, output: 75 },
  'gemini-2.5-flash': { input: 0.3, cachedInput: 0.075, output: 2.5 },
  'gemini-2.5-pro': { input: 1.25, cachedInput: 0.31, output: 10 },
};

/**
 * The price of a model: an exact entry, else the longest entry that prefixes a dated or suffixed name
 * (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`), else undefined.
 */
export function priceFor(table: PriceTable, model: string): ModelPrice | undefined {
  const exact = ownValue(table, model);
  if (exact) return exact;
  const prefix = Object.keys(table)
    .filter((name) => model.startsWith(`${name}-`) || model.startsWith(`${name}@`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? ownValue(table, prefix) : undefined;
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

/** Cost in USD; cached input tokens are part of the input count and billed at the cached rate. */
export function costOf(price: ModelPrice, tokens: TokenCounts): number {
  const cached = Math.min(tokens.cachedInputTokens, tokens.inputTokens);
  const uncached = tokens.inputTokens - cached;
  const cost =
    uncached * price.input + cached * (price.cachedInput ?? price.input) + tokens.outputTokens * price.output;
  return cost / 1_000_000;
}
