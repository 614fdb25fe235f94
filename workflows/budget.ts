import type { RunState } from '../common/run-state';

export type BudgetCheck = { exhausted: false } | { exhausted: true; budget: string; reason: string };

/** Checked before every model call: a run never starts a step it has no budget for. */
export function checkBudget(state: Pick<RunState, 'step' | 'maxSteps'>): BudgetCheck {
  if (state.step >= state.maxSteps) {
    return { exhausted: true, budget: 'maxSteps', reason: `maxSteps budget of ${state.maxSteps} model calls used up` };
  }
  return { exhausted: false };
}
