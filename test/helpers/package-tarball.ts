import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './cli';

const run = promisify(execFile);
export const EXAMPLE_PROJECT = path.join(REPO_ROOT, 'examples', 'own-worker');
const README_SECTION = '## Use reins in your own project';

/** Runs a command in `cwd`, failing with its output (npm and tsc say what went wrong on stdout). */
export async function sh(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    return await run(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** The README's TypeScript snippets in the section for library users: each must compile in the example project. */
export function readmeSnippets(): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(README_SECTION);
  if (start < 0) throw new Error(`README.md has no "${README_SECTION}" section`);
  const next = readme.indexOf('\n## ', start + README_SECTION.length);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/**
 * Packs the repository as it is built now (no scripts: the caller built dist/ already) and copies the example project
 * into `dir`, depending on that tarball and holding the README's snippets beside its own sources.
 */
export async function exampleProjectWithTarball(dir: string): Promise<string> {
  const { stdout } = await sh(REPO_ROOT, 'npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json']);
  const packed = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
  const filename = packed[0]?.filename;
  if (!filename) throw new Error(`npm pack named no tarball: ${stdout}`);
  const project = path.join(dir, 'own-worker');
  cpSync(EXAMPLE_PROJECT, project, { recursive: true, filter: (source) => !/[/\\](node_modules|dist)$/.test(source) });
  const manifestFile = path.join(project, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies.reins = `file:${path.join(dir, filename)}`;
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  readmeSnippets().forEach((code, index) => writeFileSync(path.join(project, 'src', `readme-${index + 1}.ts`), code));
  return project;
}
