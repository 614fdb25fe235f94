import type { ArgCondition } from './approval-settings';
import { globMatcher } from '../glob';
import { ownValue } from '../own';

/**
 * What a condition on a workspace path argument is tested against: every form of the path the tool may touch (the
 * normalised path, and where symlinks lead), or null when the path does not normalise, so that the condition holds.
 */
export type PathForms = ReadonlyMap<string, readonly string[] | null>;

/**
 * Reads `order.amount` style paths from the call's arguments. Only the arguments' own properties count: a path such
 * as `constructor.name` or `__proto__` must not reach into what every object inherits.
 */
export function argAt(args: unknown, path: string): unknown {
  let value: unknown = args;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    // Only the arguments' own fields: `toString` or `constructor` must not match a condition from the prototype.
    value = ownValue(value as Record<string, unknown>, part);
  }
  return value;
}

/** A test on one value: a glob for strings, equality, or a numeric bound. */
function valueMatches(condition: ArgCondition, value: unknown): boolean {
  if (condition.glob !== undefined) return typeof value === 'string' && globMatcher(condition.glob)(value);
  if (condition.equals !== undefined) return value === condition.equals;
  if (condition.oneOf !== undefined) return condition.oneOf.some((option) => option === value);
  if (typeof value !== 'number') return false;
  if (condition.above !== undefined) return value > condition.above;
  if (condition.atLeast !== undefined) return value >= condition.atLeast;
  if (condition.below !== undefined) return value < condition.below;
  return false;
}

/**
 * True when the condition holds; a missing or mistyped argument never matches a test. A workspace path argument is
 * tested in every form the tool may touch (`paths`), and a path that does not normalise makes the condition hold.
 */
export function conditionHolds(condition: ArgCondition, args: unknown, paths?: PathForms): boolean {
  const forms = paths?.get(condition.arg);
  if (forms === null) return true;
  if (forms !== undefined) return forms.some((form) => valueMatches(condition, form));
  return valueMatches(condition, argAt(args, condition.arg));
}

export function describeCondition(condition: ArgCondition): string {
  if (condition.glob !== undefined) return `${condition.arg} matches ${condition.glob}`;
  if (condition.equals !== undefined) return `${condition.arg} = ${JSON.stringify(condition.equals)}`;
  if (condition.oneOf !== undefined) return `${condition.arg} in ${JSON.stringify(condition.oneOf)}`;
  if (condition.above !== undefined) return `${condition.arg} > ${condition.above}`;
  if (condition.atLeast !== undefined) return `${condition.arg} >= ${condition.atLeast}`;
  return `${condition.arg} < ${condition.below}`;
}
