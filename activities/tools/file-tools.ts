import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DELETE_FILE, LIST_FILES, MAX_FILE_BYTES, READ_FILE, WRITE_FILE } from '../../common/builtin-tools';
import { defineTool, ToolError, type ToolImplementation } from '../../common/tools/define-tool';
import {
  ownerForNewFiles,
  readTextFile,
  resolveEntryInWorkspace,
  resolveInWorkspace,
  statRegularOrDirectory,
  writeFileAtomic,
} from './workspace';
import { ErrorType } from '../../common/errors';

export { MAX_FILE_BYTES };
const MAX_LISTED_ENTRIES = 500;

export const listFiles = defineTool({
  ...LIST_FILES,
  async execute({ path: requested }, { workspace }) {
    const target = await resolveInWorkspace(workspace, requested);
    const stat = await statRegularOrDirectory(target, requested);
    if (!stat.isDirectory()) throw new ToolError(`"${requested}" is a file, not a directory`, ErrorType.NotADirectory);
    const entries = (await fs.readdir(target, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    if (entries.length === 0) return '(empty directory)';
    const lines = await Promise.all(
      entries.slice(0, MAX_LISTED_ENTRIES).map(async (entry) => {
        if (entry.isDirectory()) return `${entry.name}/`;
        if (entry.isSymbolicLink()) return `${entry.name} (symlink)`;
        if (!entry.isFile()) return `${entry.name} (special)`;
        const { size } = await fs.stat(path.join(target, entry.name));
        return `${entry.name} (${size} bytes)`;
      }),
    );
    const omitted = entries.length - lines.length;
    return omitted > 0 ? `${lines.join('\n')}\n... ${omitted} more entries not shown` : lines.join('\n');
  },
});

export const readFile = defineTool({
  ...READ_FILE,
  async execute({ path: requested }, { workspace }) {
    return readTextFile(workspace, requested, MAX_FILE_BYTES);
  },
});

export const writeFile = defineTool({
  ...WRITE_FILE,
  async execute({ path: requested, content }, { workspace }) {
    const target = await resolveInWorkspace(workspace, requested);
    const existing = await fs.lstat(target).catch(() => undefined);
    if (existing && !existing.isFile())
      throw new ToolError(`"${requested}" exists and is not a regular file`, ErrorType.PathRefused);
    // Overwriting with the same content is idempotent, so a retried call after a lost worker is harmless.
    await writeFileAtomic(target, content, await ownerForNewFiles(workspace));
    return `wrote ${Buffer.byteLength(content)} bytes to ${requested}`;
  },
});

export const deleteFile = defineTool({
  ...DELETE_FILE,
  async execute({ path: requested }, { workspace, earlierAttemptStarted }) {
    const target = await resolveEntryInWorkspace(workspace, requested);
    const existing = await fs.lstat(target).catch(() => undefined);
    if (!existing) {
      // An earlier attempt of this very call may have deleted it before its worker was lost.
      if (earlierAttemptStarted) return `deleted ${requested}`;
      throw new ToolError(`no such file: "${requested}"`, ErrorType.NotFound);
    }
    if (existing.isDirectory())
      throw new ToolError(`"${requested}" is a directory; only files can be deleted`, ErrorType.IsADirectory);
    await fs.unlink(target);
    return `deleted ${requested}`;
  },
});

export const FILE_TOOLS: ToolImplementation[] = [listFiles, readFile, writeFile, deleteFile];
