import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './temporal-cli';

const run = promisify(execFile);

/**
 * Python packages the tests run (aiosmtpd, the SMTP server the email notifications are sent to), installed from PyPI
 * into a project-local directory the first time, as the Temporal CLI is: a fresh clone needs only python3 with pip.
 * Processes that use them get `PYTHONPATH=<dir>`.
 */
export const TEST_PYTHON_DIR = path.join(REPO_ROOT, '.temporal', 'python');
export const TEST_PYTHON_PACKAGES = ['aiosmtpd'] as const;

const importable = async (module: string) =>
  run('python3', ['-c', `import ${module}`], { env: { ...process.env, PYTHONPATH: TEST_PYTHON_DIR }, timeout: 30_000 })
    .then(() => true)
    .catch(() => false);

export async function ensureTestPythonPackages(log: (line: string) => void): Promise<string> {
  const missing = [];
  for (const name of TEST_PYTHON_PACKAGES) if (!(await importable(name))) missing.push(name);
  if (missing.length === 0) return TEST_PYTHON_DIR;
  log(`installing ${missing.join(', ')} from PyPI into ${path.relative(REPO_ROOT, TEST_PYTHON_DIR)}...`);
  // Into a scratch directory, then moved in, so a crash never leaves half a package where the next run looks.
  const staging = `${TEST_PYTHON_DIR}.staging-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  try {
    await run(
      'python3',
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '--target', staging, ...TEST_PYTHON_PACKAGES],
      { timeout: 5 * 60_000 },
    );
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    const output = String((error as { stderr?: string }).stderr ?? (error as Error).message);
    throw new Error(`pip install ${missing.join(' ')} failed: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  }
  await fs.rm(TEST_PYTHON_DIR, { recursive: true, force: true });
  await fs.rename(staging, TEST_PYTHON_DIR);
  return TEST_PYTHON_DIR;
}
