import { timeoutSummary } from '../../workflows/approvals/approval-gate';

describe("the approval gate's timer summary, as the Temporal UI shows it", () => {
  test('names each request that times out when the timer fires, and the escalated ones as such', () => {
    expect(timeoutSummary([{ requestId: '3-1', stage: 'primary' }])).toBe('approval 3-1 times out');
    expect(
      timeoutSummary([
        { requestId: '3-1', stage: 'primary' },
        { requestId: '3-2', stage: 'escalated' },
      ]),
    ).toBe('approvals 3-1, 3-2 (escalated) time out');
    expect(timeoutSummary([])).toBe('approval timeout');
  });
});
