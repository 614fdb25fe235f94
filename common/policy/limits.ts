import type { Budget } from '../budget';
import type { EffectivePolicy } from './effective-policy';
import { BUDGET_RULES } from './scopes';

/** The limits the run loop checks, read off the effective policy. */
export function limitsOf(policy: EffectivePolicy): Budget & { maxSteps: number } {
  const limits: Budget & { maxSteps: number } = { maxSteps: policy.budget.maxSteps.value };
  for (const rule of BUDGET_RULES) {
    const ruled = policy.budget[rule];
    if (ruled && rule !== 'maxSteps') limits[rule] = ruled.value;
  }
  return limits;
}
