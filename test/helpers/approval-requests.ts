import type { ApprovalRequest } from '../../common/run-state';

export const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A pending request for a destructive call, opened at T0 with a minute to wait; tests change what they need. */
export function approvalRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    requestId: '1-1',
    step: 1,
    toolCallId: 'c',
    tool: 'delete_file',
    toolClass: 'destructive',
    args: { path: 'a' },
    rule: 'test',
    requestedAt: new Date(T0).toISOString(),
    expiresAt: new Date(T0 + 60_000).toISOString(),
    onTimeout: 'reject',
    stage: 'primary',
    ...overrides,
  };
}
