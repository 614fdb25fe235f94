import { buildAudit } from '../../client/audit';
import { formatState } from '../../cli/format';
import type { ModelAttemptRecord } from '../../common/run-state';
import { stateWith } from '../helpers/run-states';

const at = '2026-01-01T11:59:00.000Z';
const attempts: ModelAttemptRecord[] = [
  {
    step: 1,
    purpose: 'step',
    attempt: 0,
    provider: 'primary',
    model: 'big',
    outcome: 'skipped',
    message: 'circuit open',
    at,
  },
  {
    step: 1,
    purpose: 'step',
    attempt: 1,
    provider: 'backup',
    model: 'small',
    outcome: 'failed',
    errorType: 'ModelServerError',
    message: 'backup model small answered 503',
    at,
  },
  { step: 1, purpose: 'step', attempt: 2, provider: 'third', model: 'small', outcome: 'ok', latencyMs: 12, at },
];

describe('failover is visible without asking for JSON', () => {
  test('reins status lists each provider and model with its outcomes, and the attempts that did not answer', () => {
    const text = formatState(stateWith([], { status: 'running', modelAttempts: attempts }), 'http://ui');
    expect(text).toContain('Models:');
    expect(text).toContain('  big via primary: 0 answered, 0 failed, 1 skipped');
    expect(text).toContain('  small via backup: 0 answered, 1 failed, 0 skipped');
    expect(text).toContain('  small via third: 1 answered, 0 failed, 0 skipped');
    expect(text).toContain('step 1 step attempt 0  big via primary  skipped: circuit open');
    expect(text).toContain(
      'step 1 step attempt 1  small via backup  failed: ModelServerError: backup model small answered 503',
    );
  });

  test('reins audit has a record for every attempt that failed or was skipped', () => {
    const records = buildAudit(stateWith([], { modelAttempts: attempts }), [], []);
    const missed = records.filter((record) => record.kind === 'model_attempt');
    expect(missed).toEqual([
      expect.objectContaining({ provider: 'primary', model: 'big', outcome: 'skipped', message: 'circuit open' }),
      expect.objectContaining({ provider: 'backup', outcome: 'failed', errorType: 'ModelServerError', attempt: 1 }),
    ]);
  });
});
