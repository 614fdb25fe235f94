import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { createSandbox } from '../../activities/sandbox/sandbox';
import { sandboxSettings } from '../../activities/sandbox/settings';
import { deleteFile, listFiles, MAX_FILE_BYTES, readFile, writeFile } from '../../activities/tools/file-tools';
import { createRunCodeTool } from '../../activities/tools/run-code';
import { runTool, sandboxWorkspace, toolContext } from '../helpers/sandbox';

const runCode = createRunCodeTool(createSandbox(sandboxSettings()));

let workspace: string;
beforeEach(async () => {
  ({ workspace } = await sandboxWorkspace());
});

const tool = (t: Parameters<typeof runTool>[0], args: unknown) => runTool(t, args, toolContext(workspace));

describe('file tools against what sandboxed code leaves in the workspace', () => {
  test('symlinks planted by run_code that lead out are refused; deleting one removes only the link', async () => {
    const planted = await tool(runCode, {
      language: 'sh',
      code: [
        'ln -s /etc/passwd passwd',
        'ln -s /etc etc',
        'ln -s /reins-does-not-exist/dir dangling',
        'ln -s ../.. up',
        'ln -s /workspace/inside.txt absolute-inside',
        'echo hello > inside.txt && ln -s inside.txt relative-inside',
        'echo planted',
      ].join('\n'),
    });
    expect(planted).toContain('planted');

    await expect(tool(readFile, { path: 'passwd' })).rejects.toThrow(/leads outside the workspace through a symlink/);
    await expect(tool(readFile, { path: 'etc/hostname' })).rejects.toThrow(/through a symlink/);
    await expect(tool(listFiles, { path: 'etc' })).rejects.toThrow(/through a symlink/);
    await expect(tool(readFile, { path: 'up/etc/passwd' })).rejects.toThrow(/through a symlink/);
    // A dangling link is refused for where it would lead, so writing through it cannot create files out there.
    await expect(tool(writeFile, { path: 'dangling/x.txt', content: 'x' })).rejects.toThrow(/through a symlink/);
    await expect(tool(writeFile, { path: 'dangling', content: 'x' })).rejects.toThrow(/through a symlink/);
    await expect(fs.stat('/reins-does-not-exist')).rejects.toThrow();
    // /workspace is the sandbox's view; on the host that absolute link points elsewhere, so it is refused too.
    await expect(tool(readFile, { path: 'absolute-inside' })).rejects.toThrow(/through a symlink/);
    // Relative links that stay inside work as usual.
    await expect(tool(readFile, { path: 'relative-inside' })).resolves.toBe('hello\n');
    await expect(tool(writeFile, { path: 'passwd', content: 'x' })).rejects.toThrow(/through a symlink/);

    const listing = await tool(listFiles, {});
    expect(listing).toContain('passwd (symlink)');
    await expect(tool(deleteFile, { path: 'passwd' })).resolves.toBe('deleted passwd');
    expect(readFileSync('/etc/passwd', 'utf8')).toContain('root:');
  });

  test('FIFOs and sockets are refused without blocking; binary and oversized files are refused', async () => {
    await tool(runCode, {
      language: 'python',
      code: [
        'import os, socket',
        'os.mkfifo("fifo")',
        's = socket.socket(socket.AF_UNIX); s.bind("sock")',
        'open("binary.bin", "wb").write(b"\\x7fELF\\x00\\x01")',
        `open("big.txt", "w").write("a" * ${MAX_FILE_BYTES + 1})`,
      ].join('\n'),
    });
    await expect(tool(readFile, { path: 'fifo' })).rejects.toThrow(/not a regular file/);
    await expect(tool(readFile, { path: 'sock' })).rejects.toThrow(/not a regular file/);
    await expect(tool(writeFile, { path: 'fifo', content: 'x' })).rejects.toThrow(/not a regular file/);
    await expect(tool(readFile, { path: 'binary.bin' })).rejects.toMatchObject({ type: 'NotText' });
    await expect(tool(readFile, { path: 'big.txt' })).rejects.toMatchObject({ type: 'FileTooLarge' });
    await expect(tool(readFile, { path: '.' })).rejects.toMatchObject({ type: 'IsADirectory' });
    const listing = await tool(listFiles, {});
    expect(listing).toContain('fifo (special)');
  });

  test('paths that leave the workspace by name are refused before anything is touched', async () => {
    await expect(tool(readFile, { path: '/etc/passwd' })).rejects.toThrow(/outside the workspace/);
    await expect(tool(readFile, { path: '../../etc/passwd' })).rejects.toThrow(/outside the workspace/);
    await expect(tool(writeFile, { path: `../${path.basename(workspace)}-evil.txt`, content: 'x' })).rejects.toThrow(
      /outside the workspace/,
    );
    await expect(tool(readFile, { path: 'a\0b' })).rejects.toThrow(/NUL byte/);
  });
});
