import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  checkSecretDirectory,
  directorySecretSource,
  SecretFilePermissionError,
} from '../../activities/secrets/secret-files';
import { envSecretSource, SecretResolver } from '../../activities/secrets/secret-resolver';
import { ErrorType } from '../../common/errors';

function secretDir(files: Record<string, { value: string; mode: number }>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-secrets-'));
  for (const [name, { value, mode }] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), value);
    chmodSync(path.join(dir, name), mode);
  }
  return dir;
}

function failureOf(fn: () => unknown): ApplicationFailure {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApplicationFailure) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('secret resolution', () => {
  it('looks in the environment first, then the secrets directory', () => {
    const dir = secretDir({ FILE_TOKEN: { value: 'from-the-file-123\n', mode: 0o600 } });
    const resolver = new SecretResolver([
      envSecretSource({ ENV_TOKEN: 'from-the-env-456' }),
      directorySecretSource(dir),
    ]);
    expect(resolver.resolve({ secret: 'ENV_TOKEN' })).toBe('from-the-env-456');
    expect(resolver.resolve({ secret: 'FILE_TOKEN' })).toBe('from-the-file-123');
  });

  it('fails a missing secret as non-retryable SecretMissing naming it, never a value', () => {
    const resolver = new SecretResolver([envSecretSource({ OTHER_TOKEN: 'other-value-789' })]);
    const failure = failureOf(() => resolver.resolve({ secret: 'GITHUB_TOKEN' }));
    expect(failure.type).toBe(ErrorType.SecretMissing);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('GITHUB_TOKEN');
    expect(failure.message).not.toContain('other-value-789');
  });

  it('resolves per-user references to NAME__user and refuses a user who has none', () => {
    const resolver = new SecretResolver([envSecretSource({ GITHUB_TOKEN__alice: 'alice-token-123' })]);
    expect(resolver.resolve({ secret: 'GITHUB_TOKEN', perUser: true }, 'alice')).toBe('alice-token-123');
    const bob = failureOf(() => resolver.resolve({ secret: 'GITHUB_TOKEN', perUser: true }, 'bob'));
    expect(bob.type).toBe(ErrorType.SecretMissing);
    expect(bob.message).toContain('GITHUB_TOKEN__bob');
    expect(bob.message).toContain('for user bob');
    const nobody = failureOf(() => resolver.resolve({ secret: 'GITHUB_TOKEN', perUser: true }));
    expect(nobody.message).toContain('no user');
  });

  it('refuses a secret file that group or others can read, naming the file and its mode', () => {
    const dir = secretDir({ LEAKY_TOKEN: { value: 'leaky-value-123', mode: 0o644 } });
    const file = path.join(dir, 'LEAKY_TOKEN');
    expect(() => directorySecretSource(dir).get('LEAKY_TOKEN')).toThrow(SecretFilePermissionError);
    expect(() => checkSecretDirectory(dir)).toThrow(`secret file ${file} has mode 0644`);
    const failure = failureOf(() =>
      new SecretResolver([directorySecretSource(dir)]).resolve({ secret: 'LEAKY_TOKEN' }),
    );
    expect(failure.type).toBe(ErrorType.SecretSourceInvalid);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).not.toContain('leaky-value-123');
  });

  it('knows every listed and resolved value for scrubbing, but not ordinary environment variables', () => {
    const dir = secretDir({ DB_PASSWORD: { value: 'hunter2-hunter2', mode: 0o400 } });
    const resolver = new SecretResolver([
      envSecretSource({ API_KEY: 'key-value-1234', HOME: '/home/someone', WEIRD__alice: 'alice-weird-1' }),
      directorySecretSource(dir),
    ]);
    resolver.resolve({ secret: 'WEIRD', perUser: true }, 'alice');
    const names = resolver.known().map((s) => s.name);
    expect(names.sort()).toEqual(['API_KEY', 'DB_PASSWORD', 'WEIRD__alice']);
    expect(resolver.scrubber().text('k=key-value-1234 p=hunter2-hunter2 h=/home/someone')).toBe(
      'k=[redacted:API_KEY] p=[redacted:DB_PASSWORD] h=/home/someone',
    );
  });
});
