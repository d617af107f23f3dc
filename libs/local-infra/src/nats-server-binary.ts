// Which nats-server the project runs and what that version can do. Only node: imports and
// erasable types, so that tools/dev/preflight.mjs imports this very file (Node 24 strips the
// types) before anything is built: the preflight and startNatsServer pick the same binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The release the preflight installs with `go install` (sync_interval needs 2.10 or newer). */
export const pinnedNatsServerVersion = '2.15.3';
export const natsServerGoPackage = 'github.com/nats-io/nats-server/v2';

/** <repository>/.tools/bin, outside git; src/ and dist/ sit at the same depth. */
export const projectToolsBin = fileURLToPath(new URL('../../../.tools/bin/', import.meta.url));
export const projectNatsServer = join(projectToolsBin, 'nats-server');

export class NatsServerNotInstalledError extends Error {
  constructor() {
    super(
      `nats-server was not found. npm test and npm start install v${pinnedNatsServerVersion} into .tools/bin ` +
        "when Go is on PATH, else Debian's package when run as root (apt-get install -y nats-server); " +
        'or set NATS_SERVER_BIN to its path.',
    );
    this.name = 'NatsServerNotInstalledError';
  }
}

export class NatsServerVersionUnknownError extends Error {
  // Plain fields, not parameter properties: Node's type stripping cannot erase those.
  readonly binary: string;
  readonly output: string;
  constructor(binary: string, output: string) {
    super(`could not read the version of ${binary}: "${binary} --version" printed ${JSON.stringify(output)}`);
    this.name = 'NatsServerVersionUnknownError';
    this.binary = binary;
    this.output = output;
  }
}

/**
 * The binary to run: NATS_SERVER_BIN, then the project's own install, then the system's.
 * Returns undefined when there is none (the preflight then installs one).
 */
export function locateNatsServer(): string | undefined {
  const candidates = [
    process.env.NATS_SERVER_BIN,
    projectNatsServer,
    '/usr/bin/nats-server',
    '/usr/sbin/nats-server',
    '/usr/local/bin/nats-server',
  ];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

export function findNatsServerBinary(): string {
  const binary = locateNatsServer();
  if (!binary) throw new NatsServerNotInstalledError();
  return binary;
}

export interface NatsServerVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** "2.15.3" */
  readonly text: string;
}

/** Reads `nats-server --version` output ("nats-server: v2.15.3"). */
export function parseNatsServerVersion(output: string): NatsServerVersion | undefined {
  const match = /\bv?(\d+)\.(\d+)\.(\d+)/.exec(output);
  if (!match) return undefined;
  const [major, minor, patch] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
  return { major, minor, patch, text: `${major}.${minor}.${patch}` };
}

const versions = new Map<string, NatsServerVersion>();

/** The binary's version, asked once per binary and process. */
export function natsServerVersion(binary: string): NatsServerVersion {
  const known = versions.get(binary);
  if (known) return known;
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  const version = result.status === 0 ? parseNatsServerVersion(output) : undefined;
  if (!version) throw new NatsServerVersionUnknownError(binary, output || String(result.error ?? ''));
  versions.set(binary, version);
  return version;
}

/** `jetstream { sync_interval: … }` arrived in 2.10; 2.9 refuses to start with it. */
export const supportsSyncInterval = (version: NatsServerVersion): boolean =>
  version.major > 2 || (version.major === 2 && version.minor >= 10);
