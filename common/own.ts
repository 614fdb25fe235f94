/**
 * Lookups in plain-object dictionaries by keys that came from outside (user ids, role, tool, model, provider and team
 * names, request ids). A plain object answers `constructor`, `toString` or `__proto__` from its prototype, so a bare
 * `record[key]` can hand back a function where a list or a price was expected; these read only own properties.
 * The lint rule reins/no-dictionary-lookup sends every such lookup here or to a Map.
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  // eslint-disable-next-line reins/no-dictionary-lookup -- guarded by the own-property check
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Whether `key` is one of the record's own keys (unlike `key in record`, which also sees the prototype's). */
export function hasOwnKey(record: Readonly<Record<string, unknown>> | undefined, key: string): boolean {
  return record !== undefined && Object.hasOwn(record, key);
}
