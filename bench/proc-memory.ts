import { promises as fs } from 'node:fs';

/** Resident set size of a process in bytes, from /proc (Linux); undefined where that is not readable. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * The pid of the Temporal dev server listening on `port`, found by its command line (`temporal server start-dev ...
 * --port N`). Several dev servers may run on one machine (test suites start their own); the port tells ours apart.
 */
export async function findDevServerPid(port: number): Promise<number | undefined> {
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    if (!args.includes('start-dev')) continue;
    const portIndex = args.indexOf('--port');
    const given = portIndex >= 0 ? args[portIndex + 1] : args.find((arg) => arg.startsWith('--port='))?.slice(7);
    if (given === String(port)) return Number(entry);
  }
  return undefined;
}
