import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '@scheduler/local-infra';
import { eventually } from '@scheduler/testing';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm start` must stop everything, however it is stopped: Ctrl-C (SIGINT to the terminal's
// whole foreground process group), SIGTERM to the npm process alone (as a supervisor sends
// it), or SIGTERM to the stack's own process. Each case runs the real `npm start`, on free
// ports and with a state folder of its own, and afterwards looks for any process it left.
const root = fileURLToPath(new URL('../..', import.meta.url));
// Readable by the postgres OS user, so that as root PostgreSQL keeps its data in here too.
const stateDir = mkdtempSync(join(tmpdir(), 'scheduler-stack-test-'));
chmodSync(stateDir, 0o755);
const portVariables = [
  'STACK_POSTGRES_PORT',
  'STACK_NATS_PORT',
  'GOOGLE_EMULATOR_PORT',
  'WEBEX_EMULATOR_PORT',
  'GATEWAY_PORT',
  'GOOGLE_INGEST_PORT',
  'WEBEX_BRIDGE_PORT',
  'RETENTION_PORT',
] as const;
const timings: string[] = [];

interface Process {
  pid: number;
  parent: number;
  command: string;
}

function processes(): Process[] {
  return execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ pid: Number(match[1]), parent: Number(match[2]), command: match[3]! }));
}

function descendants(pid: number): Process[] {
  const all = processes();
  const found: Process[] = [];
  for (let parents = new Set([pid]); parents.size > 0;) {
    const children = all.filter((process) => parents.has(process.parent));
    found.push(...children);
    parents = new Set(children.map((child) => child.pid));
  }
  return found;
}

/** Those of `snapshot` still running (the same pid with the same command line). */
function stillRunning(snapshot: Process[]): Process[] {
  const running = processes();
  return snapshot.filter((old) => running.some((now) => now.pid === old.pid && now.command === old.command));
}

/** The relay (`node tools/dev/stack.mjs`, as npm runs it) and the stack it supervises. */
const isStackScript = (command: string) => /^\S*node \S*tools\/dev\/stack\.mjs$/.test(command);

const pgrep = (pattern: string): string[] => {
  try {
    return execFileSync('pgrep', ['-af', pattern], { encoding: 'utf8' }).trim().split('\n');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

interface Started {
  npm: ChildProcess;
  ports: Record<(typeof portVariables)[number], number>;
  /** Every process below npm once the stack was ready. */
  tree: Process[];
  output: () => string;
}

let current: Started | undefined;

async function npmStart(): Promise<Started> {
  const ports = Object.fromEntries(
    await Promise.all(portVariables.map(async (name) => [name, await freePort()] as const)),
  ) as Started['ports'];
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    SCHEDULER_STACK_DIR: stateDir,
  };
  // What jest sets for itself is not for the stack.
  for (const name of ['NODE_OPTIONS', 'NODE_ENV', 'JEST_WORKER_ID', 'TEST_NATS_URL', 'TEST_DATABASE_URL'])
    delete environment[name];
  const began = Date.now();
  // A process group of its own, as a terminal gives a foreground job.
  const npm = spawn('npm', ['start'], {
    cwd: root,
    env: environment,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const record = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  npm.stdout!.on('data', record);
  npm.stderr!.on('data', record);
  current = { npm, ports, tree: [], output: () => output };
  const deadline = Date.now() + 120_000;
  while (!output.includes('[stack] all services ready')) {
    if (npm.exitCode !== null || npm.signalCode !== null) throw new Error(`npm start exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start was not ready within 120 s:\n${output}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
  current.tree = descendants(npm.pid!);
  for (const { pid } of current.tree)
    if (process.env.SCHEDULER_TEST_PIDFILE) appendFileSync(process.env.SCHEDULER_TEST_PIDFILE, `${pid}\n`);
  timings.push(`ready ${((Date.now() - began) / 1000).toFixed(1)} s`);
  return current;
}

/** Stops it one way, then expects npm to exit and nothing of the run to be left. */
async function expectAllStopped(started: Started, stop: () => void): Promise<void> {
  const { npm, ports, tree } = started;
  const commands = tree.map((process) => process.command).join('\n');
  // The snapshot holds what the stack runs, so the check below covers each of them.
  expect(commands).toContain(`nats-server`);
  expect(commands).toContain(`postgres -D ${stateDir}/postgres`);
  for (const service of ['gateway', 'google-ingest', 'webex-bridge', 'retention'])
    expect(commands).toContain(`services/${service}/dist/main.js`);
  expect(tree.filter((process) => isStackScript(process.command))).toHaveLength(2);

  const began = Date.now();
  const exited = new Promise((resolveExit) => npm.once('exit', resolveExit));
  stop();
  await exited;
  await eventually(
    () => {
      const left = [
        ...stillRunning(tree).map((process) => `${process.pid} ${process.command}`),
        ...pgrep(`nats-server .*-p ${ports.STACK_NATS_PORT}`),
        ...pgrep(`postgres -D ${stateDir}`),
      ];
      expect(left).toEqual([]);
    },
    5_000,
    100,
  );
  timings.push(`stopped ${((Date.now() - began) / 1000).toFixed(1)} s`);
}

/** The supervised stack: the stack.mjs process whose parent is the relaying stack.mjs. */
function stackProcess(tree: Process[]): Process {
  const scripts = tree.filter((process) => isStackScript(process.command));
  const stack = scripts.find((script) => scripts.some((relay) => relay.pid === script.parent));
  if (!stack)
    throw new Error(`no supervised stack process among:\n${scripts.map((s) => s.command).join('\n')}`);
  return stack;
}

beforeAll(() => {
  // The first build of a fresh clone is the slow part of `npm start`; once built, each case's
  // `npm start` finds every project in Nx's cache.
  execFileSync('npm', ['run', 'build', '--', '--output-style=static'], { cwd: root, stdio: 'ignore' });
}, 300_000);

afterEach(() => {
  // Whatever a failed case left behind is killed, so that it leaves nothing running either.
  if (!current) return;
  const { npm, tree } = current;
  const survivors = [...stillRunning(tree), ...(npm.exitCode === null ? descendants(npm.pid!) : [])];
  for (const { pid } of [...survivors, { pid: npm.pid! }]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  current = undefined;
});

afterAll(() => {
  rmSync(stateDir, { recursive: true, force: true });
  console.log(`npm start: ${timings.join(', ')}`);
});

describe('npm start stops everything', () => {
  it('on Ctrl-C: SIGINT to the whole foreground process group', async () => {
    const started = await npmStart();
    await expectAllStopped(started, () => process.kill(-started.npm.pid!, 'SIGINT'));
  }, 180_000);

  it('on SIGTERM to the npm process alone, as a supervisor sends it', async () => {
    const started = await npmStart();
    await expectAllStopped(started, () => process.kill(started.npm.pid!, 'SIGTERM'));
  }, 180_000);

  it("on SIGTERM to the stack's own process", async () => {
    const started = await npmStart();
    await expectAllStopped(started, () => process.kill(stackProcess(started.tree).pid, 'SIGTERM'));
  }, 180_000);
});
