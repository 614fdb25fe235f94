import { existsSync, promises as fs, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createSandbox } from '../../activities/sandbox/sandbox';
import { sandboxSettings } from '../../activities/sandbox/settings';
import { readFile, writeFile } from '../../activities/tools/file-tools';
import { createRunCodeTool } from '../../activities/tools/run-code';
import {
  processesMatching,
  runTool,
  sandboxWorkspace,
  toolContext,
  uniqueMarker,
  waitForNoProcesses,
  waitForProcesses,
} from '../helpers/sandbox';

const runCode = createRunCodeTool(createSandbox(sandboxSettings({ limits: { maxOutputBytes: 4096 } })));

let workspace: string;
beforeEach(async () => {
  ({ workspace } = await sandboxWorkspace());
});

const run = (args: Record<string, unknown>, signal?: AbortSignal) =>
  runTool(runCode, args, toolContext(workspace, signal ? { signal } : {}));

describe('run_code in bubblewrap: legitimate work', () => {
  test('bash, python and node run in the workspace, write files there, and their output comes back', async () => {
    const bash = await run({ language: 'bash', code: 'pwd; echo from bash > bash.txt; echo done' });
    expect(bash).toMatch(/^exit code: 0$/m);
    expect(bash).toContain('stdout (16 bytes):\n/workspace\ndone');
    const python = await run({
      language: 'python',
      code: 'import sys\nopen("py.txt", "w").write("from python")\nprint(sys.version_info[0])\nprint("oops", file=sys.stderr)\nsys.exit(3)',
    });
    expect(python).toMatch(/^exit code: 3$/m);
    expect(python).toContain('stdout (2 bytes):\n3');
    expect(python).toContain('stderr (5 bytes):\noops');
    const node = await run({
      language: 'node',
      code: 'require("fs").writeFileSync("node.txt", "from node"); console.log(1 + 1)',
    });
    expect(node).toContain('stdout (2 bytes):\n2');
    expect(readFileSync(path.join(workspace, 'bash.txt'), 'utf8')).toBe('from bash\n');
    expect(readFileSync(path.join(workspace, 'py.txt'), 'utf8')).toBe('from python');
    expect(readFileSync(path.join(workspace, 'node.txt'), 'utf8')).toBe('from node');
    // Files written by the file tools stay writable by sandboxed code, and the other way round.
    await expect(runTool(readFile, { path: 'py.txt' }, toolContext(workspace))).resolves.toBe('from python');
    await runTool(writeFile, { path: 'notes/tool.txt', content: 'from tool\n' }, toolContext(workspace));
    const append = await run({
      language: 'sh',
      code: 'echo appended >> notes/tool.txt && touch notes/new.txt && echo ok',
    });
    expect(append).toMatch(/^exit code: 0$/m);
    expect(readFileSync(path.join(workspace, 'notes/tool.txt'), 'utf8')).toBe('from tool\nappended\n');
  });

  test('a timeout above the operator limit is capped and said so', async () => {
    const capped = createRunCodeTool(createSandbox(sandboxSettings({ limits: { maxSeconds: 2 } })));
    const output = await runTool(
      capped,
      { language: 'sh', code: 'sleep 30', timeoutSeconds: 600 },
      toolContext(workspace),
    );
    expect(output).toContain('timeoutSeconds 600 was capped at the operator limit of 2 s');
    expect(output).toContain('TIMED OUT after 2 s');
  });
});

describe('run_code in bubblewrap: escape attempts fail and the tool still answers', () => {
  test('no /etc/shadow, none of the worker environment, nothing of the host /etc', async () => {
    process.env.REINS_TEST_FAKE_SECRET = 'sk-fake-worker-secret-123';
    try {
      const output = await run({
        language: 'bash',
        code: 'cat /etc/shadow; env; ls /etc; cat /proc/1/environ | tr "\\0" "\\n"; id -u',
      });
      expect(output).toMatch(/cat: \/etc\/shadow: No such file or directory/);
      expect(output).not.toContain('sk-fake-worker-secret-123');
      expect(output).not.toContain('REINS_TEST_FAKE_SECRET');
      expect(output).toContain('PATH=/usr/local/bin:/usr/bin:/bin');
      expect(output).not.toMatch(/^shadow$/m);
      expect(output).not.toMatch(/^0$/m);
    } finally {
      delete process.env.REINS_TEST_FAKE_SECRET;
    }
  });

  test('nothing outside the workspace can be written, and /tmp is private', async () => {
    const name = `reins-escape-${uniqueMarker()}`;
    const output = await run({
      language: 'bash',
      code: [
        `for target in /${name} /usr/${name} /etc/${name} /dev/${name} ../${name}; do`,
        '  if echo x > "$target"; then echo "WROTE $target"; fi',
        'done',
        `echo private > /tmp/${name} && echo tmp-ok`,
      ].join('\n'),
    });
    expect(output).not.toContain('WROTE');
    expect(output).toContain('tmp-ok');
    expect(existsSync(`/tmp/${name}`)).toBe(false);
    expect(existsSync(path.join(path.dirname(workspace), name))).toBe(false);
  });

  test('no network: a port the test listens on is unreachable from python and node', async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections += 1;
      socket.end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const python = await run({
        language: 'python',
        code: `import socket\ntry:\n  socket.create_connection(("127.0.0.1", ${port}), timeout=3)\n  print("CONNECTED")\nexcept OSError as e:\n  print("refused:", e)`,
      });
      expect(python).toContain('refused:');
      const node = await run({
        language: 'node',
        code: `require("net").connect(${port}, "127.0.0.1").on("connect", () => console.log("CONNECTED")).on("error", (e) => console.log("refused:", e.code));`,
      });
      expect(node).toContain('refused:');
      const dns = await run({
        language: 'python',
        code: 'import socket\ntry:\n  socket.getaddrinfo("example.com", 80)\n  print("RESOLVED")\nexcept OSError as e:\n  print("no dns:", e)',
      });
      expect(dns).toContain('no dns:');
      expect(`${python}${node}${dns}`).not.toMatch(/CONNECTED|RESOLVED/);
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  test('a fork bomb is bounded by the process limit, killed at the timeout, and leaves nothing behind', async () => {
    const marker = uniqueMarker();
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, processesMatching(marker).length);
    }, 250);
    const output = await run({
      language: 'bash',
      // stderr would fill with fork retries and end the call at the output limit before the timeout.
      code: `exec 2>/dev/null; bomb() { sleep ${marker} & bomb | bomb & }; bomb; sleep 2; echo "procs $(ls /proc | grep -c '^[0-9]')"; wait`,
      timeoutSeconds: 6,
    }).finally(() => clearInterval(sampler));
    expect(output).toContain('TIMED OUT after 6 s');
    // Every process of the tree carries the marker: the sandbox's 64, plus bwrap itself outside them.
    expect(most).toBeGreaterThan(10);
    expect(most).toBeLessThanOrEqual(64 + 1);
    const procs = /procs (\d+)/.exec(output);
    if (procs) expect(Number(procs[1])).toBeLessThanOrEqual(64);
    await waitForNoProcesses(marker);
    // The host and the sandbox still work.
    await expect(run({ language: 'sh', code: 'echo alive' })).resolves.toContain('alive');
  });

  test('unbounded output is cut at the limit and the code killed', async () => {
    const output = await run({ language: 'sh', code: 'yes' });
    expect(output).toContain('OUTPUT LIMIT: more than 4096 bytes');
    expect(output).toContain('stdout (first 4096 bytes; cut at the 4096-byte limit)');
    expect(Buffer.byteLength(output)).toBeLessThan(6000);
  });

  test('sleeping past the timeout is killed and reported; no process is left', async () => {
    const marker = uniqueMarker();
    const output = await run({ language: 'bash', code: `echo started; sleep ${marker}`, timeoutSeconds: 2 });
    expect(output).toContain('TIMED OUT after 2 s: the code and every process it started were killed.');
    expect(output).toContain('started');
    await waitForNoProcesses(marker);
  });

  test('memory beyond the limit fails inside the sandbox', async () => {
    const output = await run({ language: 'python', code: 'x = bytearray(3 * 1024 * 1024 * 1024)\nprint("ALLOCATED")' });
    expect(output).toContain('MemoryError');
    expect(output).not.toContain('ALLOCATED');
  });

  test('cancellation kills the whole tree at once', async () => {
    const marker = uniqueMarker();
    const controller = new AbortController();
    const pending = run(
      { language: 'bash', code: `sleep ${marker} & sleep ${marker}; wait`, timeoutSeconds: 120 },
      controller.signal,
    );
    await waitForProcesses(marker);
    expect(processesMatching(marker).length).toBeGreaterThan(0);
    controller.abort(new Error('run cancelled'));
    await expect(pending).rejects.toThrow('run cancelled');
    await waitForNoProcesses(marker);
  });
});

describe('run_code fails closed', () => {
  test('without bubblewrap it refuses, naming the binary and the opt-out', async () => {
    const empty = await fs.mkdtemp(path.join(path.dirname(workspace), 'empty-'));
    const tool = createRunCodeTool(createSandbox(sandboxSettings(), { bwrapSearchPath: empty }));
    const call = runTool(tool, { language: 'sh', code: 'echo should-not-run > ran.txt' }, toolContext(workspace));
    await expect(call).rejects.toMatchObject({ type: 'SandboxUnavailable' });
    await expect(call).rejects.toThrow(/bwrap binary is not installed.*REINS_SANDBOX=unsafe-host/);
    expect(existsSync(path.join(workspace, 'ran.txt'))).toBe(false);
  });
});
