import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ToolError } from '../../common/tools/define-tool';
import type { SandboxUser } from './settings';
import { ErrorType } from '../../common/errors';

function canTraverse(stat: { mode: number; uid: number; gid: number }, user: SandboxUser): boolean {
  if (stat.uid === user.uid) return (stat.mode & 0o100) !== 0;
  if (stat.gid === user.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

/**
 * bwrap runs as `user` and opens the workspace by path, so every directory above it must let that account through.
 * Checked up front because bwrap's own message ("Can't find source path") does not say what to change.
 */
export async function assertReachable(workspace: string, user: SandboxUser): Promise<void> {
  for (let dir = path.dirname(workspace); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir);
    if (!canTraverse(stat, user)) {
      throw new ToolError(
        `the sandbox account (uid ${user.uid}) cannot reach the workspace: ${dir} is mode ` +
          `${(stat.mode & 0o777).toString(8)} and owned by uid ${stat.uid}. Let others traverse it (chmod o+x), ` +
          'move REINS_DATA_DIR below directories they can traverse, or run the worker as a non-root user',
        ErrorType.SandboxUnavailable,
      );
    }
    if (path.dirname(dir) === dir) return;
  }
}

/**
 * A root worker hands its sandboxes to an unprivileged account, which must own the workspace to write in it. Only
 * the workspace directory itself is given away: files the worker's own tools write take its owner (see
 * writeFileAtomic), and anything else already there stays as it is.
 */
export async function handWorkspaceTo(workspace: string, user: SandboxUser): Promise<void> {
  const stat = await fs.lstat(workspace);
  if (!stat.isDirectory()) throw new Error(`workspace ${workspace} is not a directory`);
  if (stat.uid !== user.uid || stat.gid !== user.gid) await fs.lchown(workspace, user.uid, user.gid);
  // Owner-only: other local accounts have no business in a run's files.
  if ((stat.mode & 0o777) !== 0o700) await fs.chmod(workspace, 0o700);
}

/** Lets `user` pass through a directory reins owns (no listing), e.g. the data dir on the way to a workspace. */
export async function letTraverse(dir: string): Promise<void> {
  const stat = await fs.stat(dir);
  if ((stat.mode & 0o001) === 0) await fs.chmod(dir, (stat.mode & 0o7777) | 0o001);
}
