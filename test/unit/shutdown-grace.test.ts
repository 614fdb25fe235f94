import fc from 'fast-check';
import { DEFAULT_SHUTDOWN_GRACE_MS, loadWorkerConfig } from '../../worker/config';
import { WorkerConfigError } from '../../common/worker-config-error';

const env = { REINS_SANDBOX: 'unsafe-host', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };

describe('REINS_SHUTDOWN_GRACE', () => {
  test('a duration in ms, s or m up to 15 minutes becomes the worker grace; unset leaves the entry default', () => {
    expect(loadWorkerConfig(env).shutdownGraceMs).toBeUndefined();
    expect(loadWorkerConfig({ ...env, REINS_SHUTDOWN_GRACE: '0s' }).shutdownGraceMs).toBe(0);
    expect(loadWorkerConfig({ ...env, REINS_SHUTDOWN_GRACE: ' 90s ' }).shutdownGraceMs).toBe(90_000);
    expect(loadWorkerConfig({ ...env, REINS_SHUTDOWN_GRACE: '15m' }).shutdownGraceMs).toBe(900_000);
    expect(loadWorkerConfig({ ...env, REINS_SHUTDOWN_GRACE: '1500ms' }).shutdownGraceMs).toBe(1_500);
    expect(DEFAULT_SHUTDOWN_GRACE_MS).toBeLessThan(30_000);
  });

  test('any other string is refused with an error that names the setting and the value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        let grace: number | undefined;
        try {
          grace = loadWorkerConfig({ ...env, REINS_SHUTDOWN_GRACE: text }).shutdownGraceMs;
        } catch (error) {
          expect(error).toBeInstanceOf(WorkerConfigError);
          expect((error as Error).message).toContain('REINS_SHUTDOWN_GRACE');
          return;
        }
        expect(grace).toBeGreaterThanOrEqual(0);
        expect(grace).toBeLessThanOrEqual(900_000);
        expect(text.trim()).toMatch(/^\d+\s*(ms|s|m)$/);
      }),
    );
    expect(() => loadWorkerConfig({ ...env, REINS_SHUTDOWN_GRACE: '16m' })).toThrow(/REINS_SHUTDOWN_GRACE.*16m/s);
    expect(() => loadWorkerConfig({ ...env, REINS_SHUTDOWN_GRACE: '-1s' })).toThrow(WorkerConfigError);
  });
});
