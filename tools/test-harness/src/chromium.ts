import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian's `chromium` package puts the browser. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export type ChromiumAvailability = { readonly executablePath: string } | { readonly skipReason: string };

/**
 * Flags for headless Chromium on a machine with no network beyond loopback: without the
 * background-networking ones it keeps trying (and failing) to reach Google's hosts.
 */
export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function unavailable(reason: string): ChromiumAvailability {
  // CI must run the browser test; a developer without root or Debian gets one line instead.
  if (process.env.CI === 'true') throw new Error(`the browser test cannot run under CI: ${reason}`);
  return { skipReason: reason };
}

/**
 * Debian's Chromium for the browser tests (test tools never download a browser of their own).
 * Installs it with apt-get when it is missing and this is root on Debian, as the preflight does
 * for nats-server; otherwise answers why the browser tests skip (under CI=true, throws).
 * `CHROMIUM_BIN` names another Chromium.
 */
export function debianChromium(): ChromiumAvailability {
  const configured = process.env.CHROMIUM_BIN;
  if (configured)
    return existsSync(configured)
      ? { executablePath: configured }
      : unavailable(`CHROMIUM_BIN=${configured} is missing`);
  if (existsSync(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM };
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/etc/debian_version'))
    return unavailable(`${DEBIAN_CHROMIUM} is missing; install it with: sudo apt-get install -y chromium`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  process.stderr.write('browser tests: installing chromium from Debian packages (apt-get)…\n');
  if (install().status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    install();
  }
  return existsSync(DEBIAN_CHROMIUM)
    ? { executablePath: DEBIAN_CHROMIUM }
    : unavailable('apt-get could not install chromium (see its output above)');
}
