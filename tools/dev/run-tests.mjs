// Runs jest (ESM mode) and afterwards makes sure no nats-server or postgres started by the
// tests outlives the run, even when jest itself crashed or was interrupted.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const jestBin = join(dirname(require.resolve('jest/package.json')), 'bin/jest.js');
const registryDir = mkdtempSync(join(tmpdir(), 'scheduler-test-run-'));
const pidFile = join(registryDir, 'pids');
const resultsFile = join(registryDir, 'results.json');

const child = spawn(
  process.execPath,
  [jestBin, '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_OPTIONS: [
        process.env.NODE_OPTIONS,
        '--experimental-vm-modules',
        '--disable-warning=ExperimentalWarning',
      ]
        .filter(Boolean)
        .join(' '),
      SCHEDULER_TEST_PIDFILE: pidFile,
    },
  },
);

const forward = (signal) => () => child.kill(signal);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));

// jest writes its results when the run is over, then waits for every open handle to close:
// a test that leaks a connection would hang the run (and CI) forever. Give it a grace period,
// then stop it and let the results decide the exit code.
const EXIT_GRACE_MS = 20_000;
let stoppedAfterResults = false;
const watchdog = setInterval(() => {
  if (!existsSync(resultsFile)) return;
  clearInterval(watchdog);
  setTimeout(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    stoppedAfterResults = true;
    console.error(
      `run-tests: jest did not exit ${EXIT_GRACE_MS / 1000} s after the run finished (a test left a handle open); stopping it`,
    );
    child.kill('SIGKILL');
  }, EXIT_GRACE_MS).unref();
}, 1_000);
watchdog.unref();

child.on('exit', (code, signal) => {
  clearInterval(watchdog);
  const leftovers = reapLeftovers();
  if (leftovers > 0)
    console.error(`run-tests: stopped ${leftovers} test infrastructure process(es) left running`);
  const totals = printTotals();
  rmSync(registryDir, { recursive: true, force: true });
  if (stoppedAfterResults) process.exit(totals?.failed === 0 ? 0 : 1);
  process.exit(code ?? (signal ? 1 : 0));
});

// One plain closing line that any CI reader understands, after jest's own summary.
function printTotals() {
  if (!existsSync(resultsFile)) return undefined;
  try {
    const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    console.log(`\njest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
    return { failed: results.success === false && failed === 0 ? 1 : failed };
  } catch {
    // jest did not finish writing its results; its own output says why
    return undefined;
  }
}

function reapLeftovers() {
  if (!existsSync(pidFile)) return 0;
  let stopped = 0;
  for (const line of readFileSync(pidFile, 'utf8').split('\n')) {
    const pid = Number(line.trim());
    if (!pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      continue;
    }
    try {
      process.kill(pid, 'SIGKILL');
      stopped++;
    } catch {
      // already gone
    }
  }
  return stopped;
}
