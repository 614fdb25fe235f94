import { isDeadlineExceeded } from '../../client/task-queue-pollers';

describe('isDeadlineExceeded: when a call the client bounded ran out of time', () => {
  const grpc = (code: number, details: string) =>
    Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

  test('a deadline-exceeded status, or its message anywhere in the cause chain', () => {
    expect(isDeadlineExceeded(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'))).toBe(true);
    expect(isDeadlineExceeded(new Error('update failed', { cause: new Error('Deadline exceeded after 2s') }))).toBe(
      true,
    );
  });

  test('a cancelled call counts only once the deadline has passed', () => {
    const cancelled = new Error('Call cancelled');
    expect(isDeadlineExceeded(cancelled, 1_000, 1_500)).toBe(true);
    expect(isDeadlineExceeded(cancelled, 2_000, 1_500)).toBe(false);
    expect(isDeadlineExceeded(cancelled)).toBe(false);
    expect(isDeadlineExceeded(grpc(1, 'Cancelled on client'), 1_000, 1_000)).toBe(true);
  });

  test('other failures are not time-outs', () => {
    expect(isDeadlineExceeded(new Error('workflow not found'), 1_000, 5_000)).toBe(false);
    expect(isDeadlineExceeded('Deadline exceeded')).toBe(false);
  });
});
