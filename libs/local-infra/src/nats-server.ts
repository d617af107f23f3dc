import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

export interface RunningNatsServer {
  readonly url: string;
  readonly pid: number;
  readonly storeDir: string;
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
}

export class NatsServerNotInstalledError extends Error {
  constructor() {
    super(
      'nats-server was not found. On Debian: apt-get install -y nats-server (npm test and npm start do this ' +
        'themselves when run as root), or set NATS_SERVER_BIN to its path.',
    );
    this.name = 'NatsServerNotInstalledError';
  }
}

export function findNatsServerBinary(): string {
  const candidates = [
    process.env.NATS_SERVER_BIN,
    '/usr/bin/nats-server',
    '/usr/sbin/nats-server',
    '/usr/local/bin/nats-server',
  ];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new NatsServerNotInstalledError();
}

/**
 * Starts nats-server with JetStream on loopback, from a generated config file. It keeps
 * JetStream's default fsync interval: Debian's 2.9 has no `sync_interval` option. Production
 * needs `sync_interval: always` on 2.10 or newer (docs/bus.md).
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<RunningNatsServer> {
  const binary = findNatsServerBinary();
  const port = options.port ?? (await freePort());
  const ownsStore = !options.storeDir;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'scheduler-nats-'));
  const configFile = join(mkdtempSync(join(tmpdir(), 'scheduler-nats-config-')), 'nats.conf');
  writeFileSync(
    configFile,
    `jetstream {\n  store_dir: ${JSON.stringify(storeDir)}\n${options.maxFileStore ? `  max_file_store: ${options.maxFileStore}\n` : ''}}\n`,
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
