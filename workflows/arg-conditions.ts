import type { ArgCondition } from '../common/approval-policy';
import { globMatcher } from '../common/glob';
import { ownValue } from '../common/own';

/** Reads `order.amount` style paths from the call's arguments. */
export function argAt(args: unknown, path: string): unknown {
  let value: unknown = args;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    // Only the arguments' own fields: `toString` or `constructor` must not match a condition from the prototype.
    value = ownValue(value as Record<string, unknown>, part);
  }
  return value;
}

/** True when the condition holds; a missing or mistyped argument never matches a test. */
export function conditionHolds(condition: ArgCondition, args: unknown): boolean {
  const value = argAt(args, condition.arg);
  if (condition.glob !== undefined) return typeof value === 'string' && globMatcher(condition.glob)(value);
  if (condition.equals !== undefined) return value === condition.equals;
  if (condition.oneOf !== undefined) return condition.oneOf.some((option) => option === value);
  if (typeof value !== 'number') return false;
  if (condition.above !== undefined) return value > condition.above;
  if (condition.atLeast !== undefined) return value >= condition.atLeast;
  if (condition.below !== undefined) return value < condition.below;
  return false;
}

export function describeCondition(condition: ArgCondition): string {
  if (condition.glob !== undefined) return `${condition.arg} matches ${condition.glob}`;
  if (condition.equals !== undefined) return `${condition.arg} = ${JSON.stringify(condition.equals)}`;
  if (condition.oneOf !== undefined) return `${condition.arg} in ${JSON.stringify(condition.oneOf)}`;
  if (condition.above !== undefined) return `${condition.arg} > ${condition.above}`;
  if (condition.atLeast !== undefined) return `${condition.arg} >= ${condition.atLeast}`;
  return `${condition.arg} < ${condition.below}`;
}
