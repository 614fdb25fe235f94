import { DEFAULT_PRICES, PriceTableSchema, priceFor, type PriceTable } from '../common/pricing';
import { readConfigFile } from './config-file';

/**
 * The price table in force: the built-in defaults, overridden and extended by the operator's price file (YAML or JSON,
 * `model: { input, cachedInput?, output }` in USD per million tokens), from REINS_PRICES_FILE unless given.
 */
export function loadPriceTable(file: string | undefined = process.env.REINS_PRICES_FILE): PriceTable {
  if (!file) return { ...DEFAULT_PRICES };
  return { ...DEFAULT_PRICES, ...readConfigFile(file, PriceTableSchema, 'price file') };
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
