import { workflowInfo } from '@temporalio/workflow';
import type { RunInput } from '../../common/run-input';
import { emptyUsage, type RunState } from '../../common/run-state';

const iso = (ms: number) => new Date(ms).toISOString();

/** The state of a run's first execution; later executions of the chain start from the carried state instead. */
export function freshState(input: RunInput | undefined): RunState {
  return {
    runId: workflowInfo().workflowId,
    agent: input?.spec.name ?? 'invalid',
    userId: input?.userId ?? 'unknown',
    status: 'running',
    step: 0,
    // Set from the run's effective policy, resolved before the loop starts.
    maxSteps: 0,
    limits: { maxSteps: 0 },
    startedAt: iso(Date.now()),
    usage: emptyUsage(),
    modelCalls: [],
    warnings: [],
    pendingApprovals: [],
    approvalRequests: [],
    decisions: [],
    ignoredDecisions: [],
    toolCalls: [],
    compactions: [],
    segment: 1,
    workspace: input?.spec.workspace ?? 'run',
  };
}
