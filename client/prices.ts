import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_PRICES, PriceTableSchema, priceFor, type PriceTable } from '../common/pricing';
import { describeZodIssues } from '../common/zod-issues';
import { ReinsClientError } from './errors';

/**
 * The price table in force: the built-in defaults, overridden and extended by the operator's price file (YAML or JSON,
 * `model: { input, cachedInput?, output }` in USD per million tokens), from REINS_PRICES_FILE unless given.
 */
export function loadPriceTable(file: string | undefined = process.env.REINS_PRICES_FILE): PriceTable {
  if (!file) return { ...DEFAULT_PRICES };
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ReinsClientError(`cannot read the price file ${file}: ${(error as Error).message}`);
  }
  const parsed = PriceTableSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ReinsClientError(`price file ${file} is invalid: ${describeZodIssues(parsed.error)}`);
  return { ...DEFAULT_PRICES, ...parsed.data };
}

/** The entries a run needs: one per model it may call, under the name the spec uses. */
export function pricesForModels(table: PriceTable, models: string[]): PriceTable {
  const picked: PriceTable = {};
  for (const model of models) {
    const price = priceFor(table, model);
    if (price) picked[model] = price;
  }
  return picked;
}
