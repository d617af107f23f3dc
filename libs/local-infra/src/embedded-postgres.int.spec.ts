import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { packagedPostgres, startEmbeddedPostgres, type RunningPostgres } from './index.js';

// A clone inside a folder only its owner can enter, such as /root/scheduler. As root,
// PostgreSQL runs as the postgres OS user, who can reach neither the programs in the clone's
// node_modules nor a data folder inside it. Not as root, the same calls run everything in place.
const asRoot = process.getuid?.() === 0;
const privateDir = mkdtempSync(join(tmpdir(), 'scheduler-private-'));
const installation = { dir: join(privateDir, 'native'), version: `test-${randomBytes(4).toString('hex')}` };
const started: RunningPostgres[] = [];

// run-tests.mjs stops these after a crashed run.
const recordPid = (pid: number) => {
  if (process.env.SCHEDULER_TEST_PIDFILE) appendFileSync(process.env.SCHEDULER_TEST_PIDFILE, `${pid}\n`);
};

async function start(databaseDir: string, persistent = false): Promise<RunningPostgres> {
  const server = await startEmbeddedPostgres({ installation, databaseDir, persistent, onSpawn: recordPid });
  started.push(server);
  return server;
}

async function query<T>(server: RunningPostgres, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

beforeAll(() => {
  cpSync(packagedPostgres().dir, installation.dir, { recursive: true, verbatimSymlinks: true });
});

afterAll(async () => {
  await Promise.allSettled(started.map((server) => server.stop()));
  for (const server of started) {
    rmSync(server.dataDir, { recursive: true, force: true });
    if (server.installationDir !== installation.dir)
      rmSync(server.installationDir, { recursive: true, force: true });
  }
  rmSync(privateDir, { recursive: true, force: true });
});

describe('embedded PostgreSQL from a clone in a 0700 folder', () => {
  it('starts and answers queries; as root from a reachable copy of its programs and a stand-in data folder', async () => {
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    // Two at once, as concurrent test runs do: they share one copy, made under a temp name and renamed.
    const [first, second] = await Promise.all([
      start(join(privateDir, 'data')),
      start(join(privateDir, 'data-2')),
    ]);
    for (const server of [first!, second!])
      expect(await query<{ one: number }>(server, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);

    if (asRoot) {
      expect(first!.installationDir.startsWith(privateDir)).toBe(false);
      expect(second!.installationDir).toBe(first!.installationDir);
      expect(readlinkSync(`/proc/${first!.pid}/exe`)).toBe(join(first!.installationDir, 'bin', 'postgres'));
      expect(first!.dataDir.startsWith(privateDir)).toBe(false);
      expect(second!.dataDir).not.toBe(first!.dataDir);
    } else {
      expect(first!.installationDir).toBe(installation.dir);
      expect(first!.dataDir).toBe(join(privateDir, 'data'));
    }
  }, 120_000);

  it('keeps persistent data across a restart, in the same place for the same data folder', async () => {
    const databaseDir = join(privateDir, 'kept');
    const before = await start(databaseDir, true);
    await query(before, 'CREATE TABLE kept (value int); INSERT INTO kept VALUES (42)');
    await before.stop();

    const after = await start(databaseDir, true);
    expect(after.dataDir).toBe(before.dataDir);
    expect(await query<{ value: number }>(after, 'SELECT value FROM kept')).toEqual([{ value: 42 }]);
  }, 120_000);
});
