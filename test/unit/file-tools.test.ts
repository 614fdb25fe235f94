import { promises as fs, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deleteFile, listFiles, readFile, writeFile } from '../../activities/tools/file-tools';
import type { ToolContext, ToolImplementation } from '../../common/tools/define-tool';
import { runTool, toolContext } from '../helpers/sandbox';
import { ensureDirectory } from '../../activities/tools/workspace';

let workspace: string;
let outside: string;

beforeEach(async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'reins-ws-'));
  workspace = await ensureDirectory(path.join(root, 'ws'));
  outside = await ensureDirectory(path.join(root, 'outside'));
  await fs.writeFile(path.join(outside, 'secret.txt'), 'top secret');
});

function run(tool: ToolImplementation, args: unknown, extra: Partial<ToolContext> = {}): Promise<string> {
  return runTool(tool, args, toolContext(workspace, extra));
}

describe('file tools stay inside the workspace', () => {
  test('write, list, read and delete inside it', async () => {
    await expect(run(writeFile, { path: 'a/b.txt', content: 'hello' })).resolves.toBe('wrote 5 bytes to a/b.txt');
    await expect(run(listFiles, { path: 'a' })).resolves.toBe('b.txt (5 bytes)');
    await expect(run(readFile, { path: 'a/b.txt' })).resolves.toBe('hello');
    await expect(run(deleteFile, { path: 'a/b.txt' })).resolves.toBe('deleted a/b.txt');
    await expect(run(readFile, { path: 'a/b.txt' })).rejects.toThrow(/no such file/);
  });

  test('refuses .., absolute paths elsewhere and symlinks that lead out', async () => {
    await expect(run(readFile, { path: '../outside/secret.txt' })).rejects.toThrow(/outside the workspace/);
    await expect(run(readFile, { path: path.join(outside, 'secret.txt') })).rejects.toThrow(/outside the workspace/);
    await expect(run(writeFile, { path: '/etc/reins-test', content: 'x' })).rejects.toThrow(/outside the workspace/);
    symlinkSync(outside, path.join(workspace, 'link'));
    await expect(run(readFile, { path: 'link/secret.txt' })).rejects.toThrow(/through a symlink/);
    await expect(run(writeFile, { path: 'link/new.txt', content: 'x' })).rejects.toThrow(/through a symlink/);
    await expect(fs.readFile(path.join(outside, 'new.txt'))).rejects.toThrow();
  });

  test('refuses device files and oversized files', async () => {
    symlinkSync('/dev/zero', path.join(workspace, 'zero'));
    await expect(run(readFile, { path: 'zero' })).rejects.toThrow(/outside the workspace through a symlink/);
    await fs.writeFile(path.join(workspace, 'big.txt'), Buffer.alloc(300 * 1024, 'a'));
    await expect(run(readFile, { path: 'big.txt' })).rejects.toThrow(/files over 262144 bytes are not read/);
  });

  test('delete of a missing file is an error, unless an earlier attempt of the same call may have done it', async () => {
    await expect(run(deleteFile, { path: 'gone.txt' })).rejects.toThrow(/no such file/);
    await expect(run(deleteFile, { path: 'gone.txt' }, { earlierAttemptStarted: true, attempt: 2 })).resolves.toBe(
      'deleted gone.txt',
    );
  });
});
