import { promises as fs } from 'node:fs';
import { versionAtLeast, type Bubblewrap } from './host-binaries';
import type { SandboxLimits } from './settings';

/** Where the run's workspace appears inside the sandbox; the only writable place that outlives the call. */
export const SANDBOX_WORKSPACE = '/workspace';
export const SANDBOX_TMP = '/tmp';

/** Top-level directories that are symlinks into /usr on merged-/usr systems and real directories elsewhere. */
const SYSTEM_ROOTS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * The few /etc entries interpreters need. Everything else in /etc (shadow, the worker's configuration, certificates)
 * stays out; passwd, group and hosts are written fresh for the sandbox.
 */
const ETC_ENTRIES = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/alternatives',
  '/etc/localtime',
  '/etc/nsswitch.conf',
];

export interface BwrapInvocation {
  args: string[];
  /** Contents bwrap reads from inherited descriptors (fd number → text) to create files inside the sandbox. */
  files: Map<number, string>;
}

async function systemRootArgs(): Promise<string[]> {
  const args: string[] = [];
  for (const root of SYSTEM_ROOTS) {
    const stat = await fs.lstat(root).catch(() => undefined);
    if (!stat) continue;
    if (stat.isSymbolicLink()) args.push('--symlink', await fs.readlink(root), root);
    else if (stat.isDirectory()) args.push('--ro-bind', root, root);
  }
  return args;
}

/**
 * bwrap's arguments for one call: fresh namespaces of every kind (no network), read-only system directories, the
 * workspace read-write at /workspace, size-capped private /tmp and /dev/shm, an empty environment, and a read-only
 * root so nothing else can be written. `command` runs as `uid`/`gid` inside (mapped to the same ids outside).
 * Descriptor 3 is left to the caller (the launcher's "sandbox is up" pipe); 4-6 carry passwd, group and hosts.
 */
export async function bubblewrapInvocation(options: {
  bwrap: Bubblewrap;
  workspace: string;
  uid: number;
  gid: number;
  limits: SandboxLimits;
  env: Record<string, string>;
  command: string[];
}): Promise<BwrapInvocation> {
  const { uid, gid, limits } = options;
  const args = ['--unshare-all', '--unshare-user', '--uid', String(uid), '--gid', String(gid)];
  // Keeps sandboxed code from creating user namespaces of its own, a common kernel attack surface.
  if (versionAtLeast(options.bwrap.version, [0, 8, 0])) args.push('--disable-userns');
  args.push('--die-with-parent', '--new-session', '--hostname', 'sandbox', '--clearenv');
  for (const [name, value] of Object.entries(options.env)) args.push('--setenv', name, value);

  args.push('--ro-bind', '/usr', '/usr', ...(await systemRootArgs()));
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', entry, entry);
  args.push(
    '--ro-bind-data',
    '4',
    '/etc/passwd',
    '--ro-bind-data',
    '5',
    '/etc/group',
    '--ro-bind-data',
    '6',
    '/etc/hosts',
  );
  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--size', String(limits.tmpBytes), '--tmpfs', SANDBOX_TMP);
  args.push('--size', String(limits.tmpBytes), '--tmpfs', '/dev/shm');
  args.push('--bind', options.workspace, SANDBOX_WORKSPACE, '--chdir', SANDBOX_WORKSPACE);
  // The root and /dev are unbounded tmpfs mounts; read-only, they cannot be used to fill the host's memory.
  args.push('--remount-ro', '/dev', '--remount-ro', '/');
  args.push('--', ...options.command);

  const files = new Map<number, string>([
    [4, `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${uid}:${gid}:reins sandbox:${SANDBOX_TMP}:/bin/sh\n`],
    [5, `root:x:0:\nsandbox:x:${gid}:\n`],
    [6, '127.0.0.1 localhost\n::1 localhost\n'],
  ]);
  return { args, files };
}
