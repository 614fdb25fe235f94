import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { findExecutable, isExecutableFile } from '../shared/executables';
import { aptInstall, MissingSystemDependencies } from './system-deps';
import { freePort } from './free-port';

const run = promisify(execFile);

export interface PostgresServer {
  /** A connection URL with a database the caller may create schemas in. */
  url: string;
  /** Stops the server and removes its files; a no-op for a server this module did not start. */
  stop(): Promise<void>;
  /** The temporary directory of a server this module started (data and socket). */
  dir?: string;
}

/** Resolves when `url` accepts a connection, or rejects with the driver's reason. */
export async function checkPostgres(url: string, timeoutMs = 3_000): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The directory holding initdb and postgres: PATH first, then Debian's versioned directories, newest first. */
async function serverBinaries(): Promise<string | undefined> {
  const onPath = await findExecutable('initdb', process.env.PATH ?? '');
  if (onPath && (await isExecutableFile(path.join(path.dirname(onPath), 'postgres')))) return path.dirname(onPath);
  const root = '/usr/lib/postgresql';
  const versions = await fs.readdir(root).catch(() => [] as string[]);
  for (const version of versions.sort((a, b) => Number(b) - Number(a))) {
    const bin = path.join(root, version, 'bin');
    if ((await isExecutableFile(path.join(bin, 'initdb'))) && (await isExecutableFile(path.join(bin, 'postgres'))))
      return bin;
  }
  return undefined;
}

/**
 * PostgreSQL refuses to run as root. As root the server runs as the `postgres` system user the Debian package
 * creates; as anyone else, as that user.
 */
async function runAs(): Promise<string[]> {
  if (process.getuid?.() !== 0) return [];
  try {
    await run('id', ['-u', 'postgres']);
  } catch {
    throw new Error('running as root, and there is no `postgres` user to run a private PostgreSQL server as');
  }
  const runuser = await findExecutable('runuser', process.env.PATH ?? '');
  if (!runuser) throw new Error('running as root, and `runuser` is not available to drop to the `postgres` user');
  return [runuser, '-u', 'postgres', '--'];
}

/**
 * Starts a throwaway PostgreSQL server in a temporary directory, on a free loopback port, with trust authentication
 * and fsync off (test data only). Installs the server from Debian's `postgresql` package when no binaries are found
 * and this process may; otherwise throws naming what is missing.
 */
export async function startPrivatePostgres(log: (line: string) => void): Promise<PostgresServer> {
  let bin = await serverBinaries();
  if (!bin) {
    const dependency = {
      label: 'PostgreSQL server (initdb, postgres)',
      debianPackage: 'postgresql',
      find: serverBinaries,
    };
    try {
      await aptInstall(['postgresql'], log);
    } catch (error) {
      throw new MissingSystemDependencies([dependency], `could not install it: ${(error as Error).message}`);
    }
    bin = await serverBinaries();
    if (!bin) throw new MissingSystemDependencies([dependency], 'apt-get ran but initdb is still not found');
  }
  const prefix = await runAs();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'reins-pg-'));
  const dataDir = path.join(dir, 'data');
  if (prefix.length > 0) await run('chown', ['postgres', dir]);
  const command = (program: string, args: string[]): [string, string[]] => {
    const full = [...prefix, path.join(bin, program), ...args];
    return [full[0]!, full.slice(1)];
  };
  const [initdb, initArgs] = command('initdb', [
    '-D',
    dataDir,
    '-U',
    'reins',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  await run(initdb, initArgs, { maxBuffer: 16 * 1024 * 1024 });
  const port = await freePort();
  const [postgres, serverArgs] = command('postgres', [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'full_page_writes=off',
  ]);
  const child: ChildProcess = spawn(postgres, serverArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT'); // fast shutdown: disconnect clients, no checkpoint wait
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };
  const admin = `postgresql://reins@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await checkPostgres(admin, 1_000);
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`the private PostgreSQL server did not start: ${(error as Error).message}\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const client = new Client({ connectionString: admin });
  await client.connect();
  await client.query('CREATE DATABASE test');
  await client.end();
  return { url: `postgresql://reins@127.0.0.1:${port}/test`, stop, dir };
}

/**
 * The PostgreSQL the tests use: REINS_TEST_PG_URL when set (it must answer), else a local server that answers at the
 * conventional address, else a private one started for this test run.
 */
export async function resolveTestPostgres(log: (line: string) => void): Promise<PostgresServer> {
  const given = process.env.REINS_TEST_PG_URL;
  if (given) {
    await checkPostgres(given).catch((error: Error) => {
      throw new Error(`REINS_TEST_PG_URL=${given} does not answer: ${error.message}`);
    });
    return { url: given, stop: async () => undefined };
  }
  const conventional = `postgresql://${os.userInfo().username}@127.0.0.1:5432/test`;
  try {
    await checkPostgres(conventional, 1_500);
    log(`using the PostgreSQL server at ${conventional}`);
    return { url: conventional, stop: async () => undefined };
  } catch {
    const started = Date.now();
    const server = await startPrivatePostgres(log);
    log(`private PostgreSQL server at ${server.url} (${Date.now() - started} ms)`);
    return server;
  }
}
