import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { ToolError } from '../../common/tools/define-tool';
import { ErrorType } from '../../common/errors';

export { runDirectoryName } from '../../shared/store/directory-name';

export async function ensureDirectory(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  return fs.realpath(dir);
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  if (relative === '') return true;
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

/** Linux gives up after 40 links in one lookup; so do we, for links that point nowhere yet. */
const MAX_LINK_HOPS = 40;

function refused(message: string): ToolError {
  return new ToolError(message, ErrorType.PathRefused);
}

/**
 * Where `target` really leads: the deepest existing part resolved through symlinks, plus the rest. A dangling
 * symlink is followed by its text, because a write through it would land where it points once that exists (code run
 * in the workspace can plant `ln -s /etc/cron.d x`).
 */
export async function realpathOfExistingPrefix(target: string, hops = 0): Promise<string> {
  if (hops > MAX_LINK_HOPS) throw refused('too many levels of symbolic links');
  let current = target;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...rest.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw refused('the path goes through a symlink loop');
      if (code !== 'ENOENT') throw error;
      const entry = await fs.lstat(current).catch(() => undefined);
      if (entry?.isSymbolicLink()) {
        const pointsTo = path.resolve(path.dirname(current), await fs.readlink(current));
        return path.join(await realpathOfExistingPrefix(pointsTo, hops + 1), ...rest.reverse());
      }
      const parent = path.dirname(current);
      if (parent === current) return target;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Resolves a model-supplied path inside the workspace, refusing anything that would leave it: absolute paths
 * elsewhere, `..`, and symlinks (dangling ones included) whose target lies outside. Returns the path itself, not
 * its resolution, so that deleting a symlink deletes the link. `workspace` must already be a real path.
 *
 * The checks are by path: they hold against the model, and against code that ran in the workspace earlier, but not
 * against a process changing the workspace at the same moment (see docs/sandbox.md).
 */
export async function resolveInWorkspace(workspace: string, requested: string): Promise<string> {
  if (requested.includes('\0')) throw refused('path contains a NUL byte');
  const target = path.resolve(workspace, requested);
  if (!isInside(workspace, target)) {
    throw refused(`path "${requested}" is outside the workspace; use a path relative to it`);
  }
  const real = await realpathOfExistingPrefix(target);
  if (!isInside(workspace, real)) {
    throw refused(`path "${requested}" leads outside the workspace through a symlink`);
  }
  return target;
}

/**
 * Where a file tool given `requested` really lands, relative to the workspace (`.` for the workspace itself), after
 * `..` and symlinks; null when the file tools refuse the path. A tool that acts on the entry itself (delete_file) may
 * touch the lexical path instead: policy tests both.
 */
export async function workspaceTarget(workspace: string, requested: string): Promise<string | null> {
  try {
    const real = await realpathOfExistingPrefix(await resolveInWorkspace(workspace, requested));
    return path.relative(workspace, real).split(path.sep).join('/') || '.';
  } catch (error) {
    if (error instanceof ToolError) return null;
    throw error;
  }
}

/**
 * Like resolveInWorkspace, but the last component is not followed: for acting on a directory entry itself (deleting
 * a symlink removes the link, wherever it points).
 */
export async function resolveEntryInWorkspace(workspace: string, requested: string): Promise<string> {
  if (requested.includes('\0')) throw refused('path contains a NUL byte');
  const target = path.resolve(workspace, requested);
  if (target === workspace) throw refused(`path "${requested}" is the workspace itself`);
  if (!isInside(workspace, target)) {
    throw refused(`path "${requested}" is outside the workspace; use a path relative to it`);
  }
  const parent = await resolveInWorkspace(workspace, path.dirname(target));
  return path.join(parent, path.basename(target));
}

/** Refuses device files, sockets and FIFOs: reading one can block forever or touch hardware. */
export async function statRegularOrDirectory(target: string, requested: string) {
  const stat = await fs.stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new ToolError(`no such file or directory: "${requested}"`, ErrorType.NotFound);
    throw error;
  });
  if (!stat.isFile() && !stat.isDirectory()) {
    throw refused(`"${requested}" is not a regular file or directory`);
  }
  return stat;
}

/**
 * Reads a text file of at most `maxBytes`. The file is checked through the descriptor that is read (not by a
 * separate stat of the path), so it cannot be swapped for a FIFO, a device or a growing file in between; opening is
 * non-blocking and refuses a symlink in the last step.
 */
export async function readTextFile(workspace: string, requested: string, maxBytes: number): Promise<string> {
  const target = await resolveInWorkspace(workspace, requested);
  const real = await fs.realpath(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new ToolError(`no such file or directory: "${requested}"`, ErrorType.NotFound);
    throw error;
  });
  if (!isInside(workspace, real)) throw refused(`path "${requested}" leads outside the workspace through a symlink`);
  const flags = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;
  const handle = await fs.open(real, flags).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP') throw refused(`"${requested}" changed into a symlink while it was opened`);
    // Opening a unix socket fails with ENXIO.
    if (error.code === 'ENXIO') throw refused(`"${requested}" is not a regular file (a socket)`);
    if (error.code === 'ENOENT') throw new ToolError(`no such file or directory: "${requested}"`, ErrorType.NotFound);
    throw error;
  });
  try {
    const stat = await handle.stat();
    if (stat.isDirectory())
      throw new ToolError(`"${requested}" is a directory; use list_files`, ErrorType.IsADirectory);
    if (!stat.isFile()) throw refused(`"${requested}" is not a regular file (a device, FIFO or socket)`);
    const tooLarge = (size: number) =>
      new ToolError(
        `"${requested}" is ${size} bytes; files over ${maxBytes} bytes are not read`,
        ErrorType.FileTooLarge,
      );
    if (stat.size > maxBytes) throw tooLarge(stat.size);
    // One byte more than allowed tells a file that grew since the stat from one that fits exactly.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw tooLarge(length);
    }
    const content = buffer.subarray(0, length);
    if (content.includes(0)) {
      throw new ToolError(
        `"${requested}" looks binary (it contains NUL bytes); read_file reads text`,
        ErrorType.NotText,
      );
    }
    return content.toString('utf8');
  } finally {
    await handle.close();
  }
}

export interface FileOwner {
  uid: number;
  gid: number;
}

/**
 * Who should own what the worker writes into a workspace. A root worker's sandbox runs as another account that owns
 * the workspace; files the worker creates take that owner so sandboxed code can still change them.
 */
export async function ownerForNewFiles(workspace: string): Promise<FileOwner | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const stat = await fs.stat(workspace);
  return stat.uid === 0 ? undefined : { uid: stat.uid, gid: stat.gid };
}

/** Writes via a temp file and rename, so a crash never leaves a half-written file behind. */
export async function writeFileAtomic(target: string, content: string, owner?: FileOwner): Promise<void> {
  const dir = path.dirname(target);
  const firstCreated = await fs.mkdir(dir, { recursive: true });
  if (owner && firstCreated) {
    for (let created = dir; ; created = path.dirname(created)) {
      await fs.lchown(created, owner.uid, owner.gid);
      if (created === firstCreated || path.dirname(created) === created) break;
    }
  }
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  // O_EXCL and O_NOFOLLOW: a name planted in the workspace beforehand cannot redirect the write.
  const flags = fsConstants.O_CREAT | fsConstants.O_WRONLY | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
  const handle = await fs.open(temp, flags, 0o644);
  try {
    if (owner) await handle.chown(owner.uid, owner.gid);
    await handle.writeFile(content);
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await fs.rename(temp, target);
}
