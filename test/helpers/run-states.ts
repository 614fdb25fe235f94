import { emptyUsage, type ApprovalRequest, type RunState } from '../../common/run-state';

/** A run's state as a view receives it, for tests of what the CLI, the audit and the UI make of it. */
export function stateWith(pending: ApprovalRequest[], overrides: Partial<RunState> = {}): RunState {
  return {
    runId: 'run-1',
    agent: 'db-clerk',
    userId: 'ann',
    status: 'awaiting_approval',
    step: 2,
    maxSteps: 10,
    limits: { maxSteps: 10 },
    startedAt: '2026-01-01T11:58:00Z',
    usage: emptyUsage(),
    modelCalls: [],
    warnings: [],
    pendingApprovals: pending,
    approvalRequests: pending,
    decisions: [],
    ignoredDecisions: [],
    toolCalls: [],
    compactions: [],
    segment: 1,
    workspace: 'run',
    ...overrides,
  };
}
