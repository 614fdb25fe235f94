import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { ToolError } from './tool';

/** A directory name for a run id that may contain any characters; the hash keeps distinct ids distinct. */
export function runDirectoryName(runId: string): string {
  const readable = runId.replace(/[^a-zA-Z0-9._-]/g, '_').slice(0, 80);
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 10);
  return `${readable}-${hash}`;
}

export async function ensureDirectory(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  return fs.realpath(dir);
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The deepest part of `target` that exists, resolved through symlinks. */
async function realpathOfExistingPrefix(target: string): Promise<string> {
  let current = target;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...rest.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = path.dirname(current);
      if (parent === current) return target;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Resolves a model-supplied path inside the workspace, refusing anything that would leave it: absolute paths
 * elsewhere, `..`, and symlinks whose target lies outside. `workspace` must already be a real path.
 */
export async function resolveInWorkspace(workspace: string, requested: string): Promise<string> {
  if (requested.includes('\0')) throw new ToolError('path contains a NUL byte', 'PathRefused');
  const target = path.resolve(workspace, requested);
  if (!isInside(workspace, target)) {
    throw new ToolError(`path "${requested}" is outside the workspace; use a path relative to it`, 'PathRefused');
  }
  const real = await realpathOfExistingPrefix(target);
  if (!isInside(workspace, real)) {
    throw new ToolError(`path "${requested}" leads outside the workspace through a symlink`, 'PathRefused');
  }
  return target;
}

/** Refuses device files, sockets and FIFOs: reading one can block forever or touch hardware. */
export async function statRegularOrDirectory(target: string, requested: string) {
  const stat = await fs.stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new ToolError(`no such file or directory: "${requested}"`, 'NotFound');
    throw error;
  });
  if (!stat.isFile() && !stat.isDirectory()) {
    throw new ToolError(`"${requested}" is not a regular file or directory`, 'PathRefused');
  }
  return stat;
}

/** Writes via a temp file and rename, so a crash never leaves a half-written file behind. */
export async function writeFileAtomic(target: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(temp, content, {
    mode: 0o644,
    flag: fsConstants.O_CREAT | fsConstants.O_WRONLY | fsConstants.O_TRUNC,
  });
  await fs.rename(temp, target);
}
