import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { testAddress, uniqueTaskQueue } from '../helpers/temporal';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const EXAMPLE = path.join(ROOT, 'examples/own-worker');
const README_SECTION = '## Use reins in your own project';

/** The README's TypeScript snippets in the section for library users: each must compile in the example project. */
function readmeSnippets(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(README_SECTION);
  if (start < 0) throw new Error(`README.md has no "${README_SECTION}" section`);
  const next = readme.indexOf('\n## ', start + README_SECTION.length);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** Runs a command in `cwd`, failing with its output (npm and tsc say what went wrong on stdout). */
async function sh(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    return await run(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

describe('reins installed from its packed tarball into a project of its own', () => {
  let dir: string;
  let project: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'reins-own-worker-'));
    // `npm pack` builds first (prepare), as publishing would.
    const { stdout } = await sh(ROOT, 'npm', ['pack', '--pack-destination', dir, '--json']);
    const [{ filename }] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
    project = path.join(dir, 'own-worker');
    cpSync(EXAMPLE, project, {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
    });
    const manifest = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    manifest.dependencies.reins = `file:${path.join(dir, filename)}`;
    writeFileSync(path.join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    readmeSnippets().forEach((code, index) => writeFileSync(path.join(project, 'src', `readme-${index + 1}.ts`), code));
    await sh(project, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock']);
  }, 900_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the package ships compiled code and declarations only, and pulls in no tsx or test-only packages', () => {
    const installed = path.join(project, 'node_modules/reins');
    expect(existsSync(path.join(installed, 'dist/client/index.js'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist/worker/index.d.ts'))).toBe(true);
    expect(readdirSync(installed).sort()).not.toEqual(expect.arrayContaining(['test']));
    for (const devOnly of ['tsx', '@temporalio/testing', 'playwright-core', 'ts-jest']) {
      expect(existsSync(path.join(project, 'node_modules', devOnly))).toBe(false);
    }
  });

  test("the example and every README snippet type-check against the installed declarations", async () => {
    expect(readmeSnippets().length).toBeGreaterThan(0);
    await sh(project, 'npx', ['tsc', '-p', 'tsconfig.json']);
    expect(existsSync(path.join(project, 'dist/main.js'))).toBe(true);
  }, 300_000);

  test('its own worker runs its own workflow and an agent run with its own tool, approved by a person', async () => {
    const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...env } = process.env;
    const { stdout } = await sh(project, 'node', ['dist/main.js'], {
      ...env,
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_NAMESPACE: 'default',
      REINS_TASK_QUEUE: uniqueTaskQueue('own-worker'),
      REINS_DATA_DIR: path.join(dir, 'data'),
    });
    expect(stdout).toMatch(/approval asked: open_ticket \{"title":"VPN drops every 10 minutes/);
    const outcome = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(outcome).toMatchObject({
      greeting: 'hello, support desk',
      status: 'completed',
      answer: 'Filed OPS-1 for the Lisbon VPN drops.',
    });
    // The tool's structured result reached the model as JSON, with the project its agent's config named.
    expect(JSON.parse(String(outcome.ticket))).toMatchObject({ id: 'OPS-1', project: 'OPS', priority: 'urgent' });
  }, 300_000);
});
