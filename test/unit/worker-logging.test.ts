import { workerLogLevel } from '../../worker/logging';

describe('worker log level', () => {
  test('warnings by default, REINS_LOG_LEVEL in any case, --verbose for INFO; a bad level is named', () => {
    expect(workerLogLevel({})).toBe('WARN');
    expect(workerLogLevel({ REINS_LOG_LEVEL: 'debug' })).toBe('DEBUG');
    expect(workerLogLevel({ REINS_LOG_LEVEL: 'ERROR' }, true)).toBe('INFO');
    expect(() => workerLogLevel({ REINS_LOG_LEVEL: 'loud' })).toThrow(
      'REINS_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR; got "loud"',
    );
  });
});
