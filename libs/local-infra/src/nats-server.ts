import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 * Starts `nats-server -js` on loopback. JetStream syncs on every write (`sync_interval:
 * always` equivalent is not a CLI flag in 2.9, so tests accept the default; production
 * settings live in deploy/k8s and docs/architecture.md).
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<RunningNatsServer> {
  const binary = findNatsServerBinary();
  const port = options.port ?? (await freePort());
  const ownsStore = !options.storeDir;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'scheduler-nats-'));
  const child: ChildProcess = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
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
    },
  };
}
