import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findNatsServerBinary, natsServerVersion, supportsSyncInterval } from './nats-server-binary.js';
import { natsAuthorizationConfig, type NatsUser } from './nats-users.js';
import { freePort, waitForPort } from './ports.js';

export interface RunningNatsServer {
  readonly url: string;
  readonly pid: number;
  readonly storeDir: string;
  /** The server's version, e.g. "2.15.3". */
  readonly version: string;
  /** Whether it fsyncs before every acknowledgement, as production does. */
  readonly syncAlways: boolean;
  stop(): Promise<void>;
}

export interface NatsServerOptions {
  port?: number;
  /** JetStream store folder; a fresh temporary one when omitted. Kept across restart(). */
  storeDir?: string;
  /** Called with each child pid so that a supervisor can reap it after a crash. */
  onSpawn?: (pid: number) => void;
  /**
   * JetStream's file-store budget, e.g. "1T". Every stream with a max_bytes limit reserves
   * that much of it up front, so a test run creating many streams needs a large budget even
   * though it writes little; unset, the server takes 75% of the free disk.
   */
  maxFileStore?: string;
  /**
   * Trade durability for speed: JetStream's default fsync (every two minutes) instead of
   * `sync_interval: always`. For tests only.
   */
  unsafeFast?: boolean;
  /**
   * The only users who may connect (an `authorization` block; anonymous clients are refused),
   * e.g. `Object.values(localBusUsers(names))`. Unset: no authorization at all.
   */
  users?: readonly NatsUser[];
  /**
   * Clients that send no credentials are taken as this user instead of being refused
   * (`no_auth_user`). For the server the test files share: their own connections act as an
   * unrestricted harness user, while the services under test log in as their own users.
   */
  anonymousAs?: string;
}

/** The jetstream block of the generated config. */
export function natsServerConfig(options: {
  storeDir: string;
  maxFileStore?: string | undefined;
  syncAlways: boolean;
  users?: readonly NatsUser[] | undefined;
  anonymousAs?: string | undefined;
}): string {
  const lines = [`  store_dir: ${JSON.stringify(options.storeDir)}`];
  if (options.maxFileStore) lines.push(`  max_file_store: ${options.maxFileStore}`);
  // Without it JetStream acknowledges before fsync and flushes every two minutes, so an OS
  // crash or power loss can drop acknowledged messages that the relay will never re-publish.
  if (options.syncAlways) lines.push('  sync_interval: always');
  const jetStream = `jetstream {\n${lines.join('\n')}\n}\n`;
  if (!options.users?.length) return jetStream;
  if (options.anonymousAs && !options.users.some((entry) => entry.user === options.anonymousAs))
    throw new Error(`anonymousAs names "${options.anonymousAs}", who is not one of the users`);
  const anonymous = options.anonymousAs ? `no_auth_user: ${JSON.stringify(options.anonymousAs)}\n` : '';
  return jetStream + natsAuthorizationConfig(options.users) + anonymous;
}

/**
 * Starts nats-server with JetStream on loopback, from a generated config file. Like production
 * it fsyncs before every acknowledgement (`sync_interval: always`) when the server is 2.10 or
 * newer; `unsafeFast` keeps JetStream's lazy default, and a 2.9 server (Debian's) has no choice.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<RunningNatsServer> {
  const binary = findNatsServerBinary();
  const version = natsServerVersion(binary);
  const syncAlways = !options.unsafeFast && supportsSyncInterval(version);
  const port = options.port ?? (await freePort());
  const ownsStore = !options.storeDir;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'scheduler-nats-'));
  const configFile = join(mkdtempSync(join(tmpdir(), 'scheduler-nats-config-')), 'nats.conf');
  // Mode 0600: it may hold the users' passwords.
  writeFileSync(
    configFile,
    natsServerConfig({
      storeDir,
      maxFileStore: options.maxFileStore,
      syncAlways,
      users: options.users,
      anonymousAs: options.anonymousAs,
    }),
    { mode: 0o600 },
  );
  const child: ChildProcess = spawn(binary, ['-c', configFile, '-a', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  if (!child.pid) throw new Error(`could not spawn ${binary}`);
  options.onSpawn?.(child.pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForPort(port, 15_000, 'nats-server'),
      exited.then(() => {
        throw new Error(`nats-server exited during start-up: ${stderr.trim()}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: child.pid,
    storeDir,
    version: version.text,
    syncAlways,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (ownsStore) rmSync(storeDir, { recursive: true, force: true });
      rmSync(dirname(configFile), { recursive: true, force: true });
    },
  };
}
