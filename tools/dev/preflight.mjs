// Runs before `npm start`, `npm test` and `npm run bench`. It makes a fresh Debian machine
// ready: the project's Node 24 (from the `node` devDependency, first on PATH inside npm
// scripts), nats-server: the pinned release built with `go install` into .tools/bin when Go
// is on PATH, else Debian's package, and for `npm test` helm, built the same way in the
// background while the tests run; the Helm chart's tests run last and wait for it (without Go
// and helm they are skipped). Nothing else is installed by hand.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';

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

// The same module startNatsServer uses, so both pick the same binary (Node 24 strips its types).
const {
  locateNatsServer,
  natsServerVersion,
  natsServerGoPackage,
  pinnedNatsServerVersion,
  projectNatsServer,
  projectToolsBin,
  supportsSyncInterval,
  // The source file, not the package: the preflight runs before anything is built, and Node 24
  // runs TypeScript sources itself.
  // eslint-disable-next-line @nx/enforce-module-boundaries
} = await import('../../libs/local-infra/src/nats-server-binary.ts');
// The same module the chart tests use to find helm.
// eslint-disable-next-line @nx/enforce-module-boundaries
const helm = await import('../deploy/helm-binary.ts');

const isDebian = () => existsSync('/etc/debian_version') || /debian/i.test(safeRead('/etc/os-release'));
const safeRead = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
const commandPath = (name) => {
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
};
const versionOf = (binary) => {
  try {
    return natsServerVersion(binary).text;
  } catch {
    return undefined;
  }
};

/**
 * `go install <goPackage>@v<version>` into a folder of its own, then a rename to `target`, so two
 * runs at once never see half a binary. True when the built binary reports that version.
 */
const goInstall = (go, { name, goPackage, version, target, versionOf, buildFlags = [] }) => {
  console.log(
    `preflight: installing ${name} v${version} with go install into .tools/bin ` +
      '(minutes the first time, seconds once Go has it cached)…',
  );
  mkdirSync(projectToolsBin, { recursive: true });
  const staging = mkdtempSync(join(projectToolsBin, '..', 'go-install-'));
  try {
    const started = Date.now();
    const result = spawnSync(go, ['install', ...buildFlags, `${goPackage}@v${version}`], {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: staging },
    });
    const built = join(staging, basename(target));
    if (result.status !== 0 || versionOf(built) !== version) return false;
    renameSync(built, target);
    console.log(`preflight: ${name} v${version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
    return true;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
};

const goInstallNatsServer = (go) =>
  goInstall(go, {
    name: 'nats-server',
    goPackage: natsServerGoPackage,
    version: pinnedNatsServerVersion,
    target: projectNatsServer,
    versionOf,
  });

const installDebianNatsServer = () => {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!(root && isDebian())) {
    fail(
      `nats-server is not installed. Put Go on PATH (the preflight then installs v${pinnedNatsServerVersion} ` +
        'into .tools/bin), or on Debian or Ubuntu: sudo apt-get install -y nats-server\n' +
        'Elsewhere, install NATS Server 2.10 or newer and put nats-server on PATH (or set NATS_SERVER_BIN).',
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
  if (result.status !== 0 || !locateNatsServer())
    fail('apt-get could not install nats-server; see the output above.');
  // Debian's package starts a system service on the default port; the project runs its own.
  spawnSync('sh', [
    '-c',
    'systemctl disable --now nats-server 2>/dev/null || service nats-server stop 2>/dev/null || true',
  ]);
};

const ensureNatsServer = () => {
  // An explicit NATS_SERVER_BIN is the user's choice; nothing to install.
  if (process.env.NATS_SERVER_BIN && existsSync(process.env.NATS_SERVER_BIN)) return;
  if (versionOf(projectNatsServer) === pinnedNatsServerVersion) return;
  const go = commandPath('go');
  const why = go ? `go install of v${pinnedNatsServerVersion} failed (see above)` : 'Go is not on PATH';
  if (go && goInstallNatsServer(go)) return;
  if (!locateNatsServer()) installDebianNatsServer();
  const binary = locateNatsServer();
  let version;
  try {
    version = natsServerVersion(binary);
  } catch (error) {
    fail(error.message);
  }
  const consequence = supportsSyncInterval(version)
    ? ''
    : '; before 2.10 it has no sync_interval, so JetStream keeps its lazy fsync';
  console.log(
    `preflight: ${why}, so nats-server is ${binary} v${version.text} instead of v${pinnedNatsServerVersion}${consequence}.`,
  );
};

// The background helm build (see ensureHelm) is this same file run with --build-helm.
const buildHelm = (go) =>
  goInstall(go, {
    name: 'helm',
    goPackage: helm.helmGoPackage,
    buildFlags: helm.helmGoBuildFlags,
    version: helm.pinnedHelmVersion,
    target: helm.projectHelm(projectToolsBin),
    versionOf: helm.helmVersion,
  });
if (process.argv.includes('--build-helm')) {
  try {
    const go = commandPath('go');
    process.exitCode = go && buildHelm(go) ? 0 : 1;
  } finally {
    rmSync(helm.helmBuildMarker(projectToolsBin), { force: true });
  }
  process.exit();
}

const needsNats = !process.env.TEST_NATS_URL || process.argv.includes('--stack');
if (needsNats) ensureNatsServer();

// helm checks the Helm chart (tools/deploy); only the tests need it. A cold build takes 10–25
// minutes on two cores, so it runs in the background while the other tests run.
const ensureHelm = () => {
  if (process.env.HELM_BIN && existsSync(process.env.HELM_BIN)) return;
  const pinned = helm.pinnedHelmVersion;
  if (helm.helmVersion(helm.projectHelm(projectToolsBin)) === pinned) return;
  const marker = helm.helmBuildMarker(projectToolsBin);
  if (helm.helmBuildRunning(projectToolsBin)) return; // another run builds it; the chart tests wait
  const go = commandPath('go');
  if (go) {
    mkdirSync(projectToolsBin, { recursive: true });
    const log = openSync(helm.helmBuildLog(projectToolsBin), 'w');
    const build = spawn(process.execPath, [process.argv[1], '--build-helm'], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    writeFileSync(marker, String(build.pid));
    build.unref();
    console.log(
      `preflight: building helm v${pinned} with go install in the background ` +
        `(${helm.helmBuildLog(projectToolsBin)}); the Helm chart tests run last and wait for it.`,
    );
    return;
  }
  const fallback = helm.locateHelm(projectToolsBin);
  console.log(
    fallback
      ? `preflight: Go is not on PATH, so the chart tests run ${fallback} v${helm.helmVersion(fallback) ?? '?'} instead of v${pinned}.`
      : `preflight: Go is not on PATH and no helm is on PATH, so the Helm chart tests (tools/deploy) are skipped${process.env.CI ? ' (under CI: they fail)' : ''}.`,
  );
};

if (process.env.npm_lifecycle_event === 'test') ensureHelm();
