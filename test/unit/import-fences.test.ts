import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BUILT_IN_TOOLS, toolDefinition } from '../../activities/tools/registry';
import { builtInDefinitions } from '../../common/builtin-tools';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Where this suite compiles the package's entries, as `npm run build` compiles them into dist/. */
const COMPILED = path.join(REPO_ROOT, '.temporal', 'test', 'fences-dist');

/**
 * Every module a fresh Node process has loaded after running `script`, an async function body: TypeScript through
 * tsx, or (`compiled`) plain node, as the published package runs. Paths relative to the repository, or to COMPILED
 * for the compiled files, so both read alike (`client/reins-client.js`).
 */
function modulesLoadedBy(script: string, options: { compiled?: boolean } = {}): string[] {
  const report = `process.stdout.write(JSON.stringify(Object.keys(require.cache)))`;
  const program = `(async () => { ${script} })().then(() => ${report}, (error) => { console.error(error); process.exit(1); })`;
  const out = execFileSync(process.execPath, [...(options.compiled ? [] : ['-r', 'tsx/cjs']), '-e', program], {
    cwd: options.compiled ? COMPILED : REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return (JSON.parse(out) as string[]).map((file) => {
    const root = options.compiled && file.startsWith(COMPILED + path.sep) ? COMPILED : REPO_ROOT;
    return path.relative(root, file).split(path.sep).join('/');
  });
}

/** Compiles the `reins` and `reins/testing` entries with the build's settings, and what they import, nothing else. */
function compileEntries(): void {
  rmSync(COMPILED, { recursive: true, force: true });
  mkdirSync(COMPILED, { recursive: true });
  const config = path.join(COMPILED, 'tsconfig.json');
  const root = path.relative(COMPILED, REPO_ROOT);
  writeFileSync(
    config,
    JSON.stringify({
      extends: path.join(root, 'tsconfig.build.json'),
      compilerOptions: { outDir: '.', rootDir: root, declaration: false, sourceMap: false, inlineSources: false },
      include: [],
      // The two converters are reached by require.resolve (for workflow bundles), not by an import tsc follows.
      files: ['client/index.ts', 'testing/index.ts', 'shared/payload-converter.ts', 'shared/failure-converter.ts'].map(
        (file) => path.join(root, file),
      ),
    }),
  );
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', config], { cwd: REPO_ROOT });
}

const WORKER_SIDE =
  /^(activities|worker|workflows)\/|^node_modules\/(pg|@temporalio\/worker|openai|@modelcontextprotocol)\//;

/** What the `reins` entry must never load: activities (and with them the sandbox), worker code, workflows, the CLI. */
const NOT_FOR_CLIENTS = (file: string) => WORKER_SIDE.test(file) || /^(cli|testing)\//.test(file);

describe('the client library loads no worker-side code', () => {
  beforeAll(compileEntries, 300_000);

  it('importing client/index.ts loads nothing from activities/, worker/, pg or the worker SDK', () => {
    const loaded = modulesLoadedBy(`require('./client/index.ts')`);
    expect(loaded).toContain('client/reins-client.ts');
    expect(loaded).toContain('client/client-plugin.ts');
    expect(loaded.filter(NOT_FOR_CLIENTS)).toEqual([]);
  });

  it('the compiled `reins` entry, run by plain node, loads no more', () => {
    const loaded = modulesLoadedBy(`require('./client/index.js')`, { compiled: true });
    expect(loaded).toContain('client/reins-client.js');
    expect(loaded.filter((file) => file.endsWith('.ts'))).toEqual([]);
    expect(loaded.filter(NOT_FOR_CLIENTS)).toEqual([]);
  });

  it('the compiled `reins/testing` entry loads no other part of reins and no Temporal SDK', () => {
    const loaded = modulesLoadedBy(`require('./testing/index.js')`, { compiled: true });
    expect(loaded).toContain('testing/scripted-model/server.js');
    const outside = loaded.filter((file) => !file.startsWith('testing/') && !file.startsWith('node_modules/zod/'));
    expect(outside).toEqual([]);
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
