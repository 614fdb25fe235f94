import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { BUILT_IN_TOOLS, toolDefinition } from '../../activities/tools/registry';
import { builtInDefinitions } from '../../common/builtin-tools';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Every module a fresh Node process has loaded after running `script`, an async function body (TypeScript through
 * tsx, as bin/reins runs it). Paths relative to the repository.
 */
function modulesLoadedBy(script: string): string[] {
  const report = `process.stdout.write(JSON.stringify(Object.keys(require.cache)))`;
  const program = `(async () => { ${script} })().then(() => ${report}, (error) => { console.error(error); process.exit(1); })`;
  const out = execFileSync(process.execPath, ['-r', 'tsx/cjs', '-e', program], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return (JSON.parse(out) as string[]).map((file) => path.relative(REPO_ROOT, file).split(path.sep).join('/'));
}

const WORKER_SIDE =
  /^(activities|worker|workflows)\/|^node_modules\/(pg|@temporalio\/worker|openai|@modelcontextprotocol)\//;

describe('the client library loads no worker-side code', () => {
  it('importing client/index.ts loads nothing from activities/, worker/, pg or the worker SDK', () => {
    const loaded = modulesLoadedBy(`require('./client/index.ts')`);
    expect(loaded).toContain('client/reins-client.ts');
    expect(loaded.filter((file) => WORKER_SIDE.test(file))).toEqual([]);
  });

  it('the policy checks a client runs before start use the same built-in tool definitions as a worker', () => {
    const worker = new Map(BUILT_IN_TOOLS.map((tool) => [tool.name, toolDefinition(tool)]));
    const client = builtInDefinitions();
    expect([...client.keys()].sort()).toEqual([...worker.keys()].sort());
    for (const [name, definition] of client) {
      const { warnings: _warnings, ...fromWorker } = worker.get(name)!;
      expect(definition).toEqual(fromWorker);
    }
  });
});

describe('the CLI loads a command only when it runs', () => {
  const loadedFor = (args: string[]) =>
    modulesLoadedBy(
      `const { runCli } = require('./cli/program.ts'); ` +
        `const io = { stdout: () => undefined, stderr: () => undefined, env: {} }; ` +
        `await runCli(['node', 'reins', ...${JSON.stringify(args)}], io);`,
    );

  it.each([[['--help']], [['status', '--help']], [['worker', '--help']]])('reins %j', (args) => {
    const loaded = loadedFor(args);
    expect(loaded).toContain('cli/commands/status.ts');
    const heavy = loaded.filter(
      (file) =>
        /^client\/(cli\/actions\/|reins-client)|^node_modules\/(@temporalio|yaml)\//.test(file) ||
        WORKER_SIDE.test(file),
    );
    expect(heavy).toEqual([]);
  });
});
