import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../cli/program';

// Refused before the console connects to a server or listens: runs in-process with no server.
async function reins(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out = { stdout: '', stderr: '' };
  const io = { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), env };
  const code = await runCli(['node', 'reins', '--address', '127.0.0.1:1', ...args], io);
  return { code, ...out };
}

describe('reins console: its settings are checked before it starts', () => {
  test('without sign-in tokens it refuses to start, saying which settings to give', async () => {
    const result = await reins(['console']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/REINS_CONSOLE_TOKENS or REINS_CONSOLE_TOKENS_FILE/);
  });

  test('a bad token list names the field', async () => {
    const result = await reins(['console'], { REINS_CONSOLE_TOKENS: '[{"token":"short","userId":"olga"}]' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/REINS_CONSOLE_TOKENS: .*0\.token/);
  });

  test('a tokens file is read, and a bad port is refused naming the flag', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reins-cli-console-'));
    const file = path.join(dir, 'tokens.json');
    writeFileSync(file, JSON.stringify([{ token: 'a-token-for-olga-123456', userId: 'olga', roles: ['ops'] }]));
    const result = await reins(['console', '--tokens-file', file, '--port', '70000']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/port/);
  });
});
