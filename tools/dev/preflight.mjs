// Runs before `npm start`, `npm test` and `npm run bench`. It makes a fresh Debian machine
// ready: the project's Node 24 (from the `node` devDependency, first on PATH inside npm
// scripts) and nats-server (from Debian's packages). Nothing else is installed by hand.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const fail = (message) => {
  console.error(`\npreflight: ${message}\n`);
  process.exit(1);
};

const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  fail(
    `this project runs on Node 24, but ${process.execPath} is Node ${process.versions.node}.\n` +
      `Run it through npm (npm ci && npm test), which puts node_modules/.bin/node (Node 24) first on PATH.`,
  );
}

export const findNatsServer = () => {
  const candidates = [
    process.env.NATS_SERVER_BIN,
    '/usr/bin/nats-server',
    '/usr/sbin/nats-server',
    '/usr/local/bin/nats-server',
  ];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
};

const isDebian = () => existsSync('/etc/debian_version') || /debian/i.test(safeRead('/etc/os-release'));
const safeRead = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

const needsNats = !process.env.TEST_NATS_URL || process.argv.includes('--stack');
if (needsNats && !findNatsServer()) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!(root && isDebian())) {
    fail(
      'nats-server is not installed. On Debian or Ubuntu: sudo apt-get install -y nats-server\n' +
        'Elsewhere, install NATS Server 2.9 or newer and put nats-server on PATH (or set NATS_SERVER_BIN).',
    );
  }
  console.log('preflight: installing nats-server from Debian packages (apt-get)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'nats-server'], {
      stdio: 'inherit',
      env,
    });
  let result = install();
  if (result.status !== 0) {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    result = install();
  }
  if (result.status !== 0 || !findNatsServer())
    fail('apt-get could not install nats-server; see the output above.');
  // Debian's package starts a system service on the default port; the project runs its own.
  spawnSync('sh', [
    '-c',
    'systemctl disable --now nats-server 2>/dev/null || service nats-server stop 2>/dev/null || true',
  ]);
}
