import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { anyBusPrefix } from '@scheduler/contracts';
import { localBusUsers, startEmbeddedPostgres, startNatsServer } from '@scheduler/local-infra';
import type { StartedInfrastructure } from './started-infrastructure.js';

declare global {
  var __schedulerTestInfrastructure: StartedInfrastructure | undefined;
}

const recordPid = (pid: number) => {
  const file = process.env.SCHEDULER_TEST_PIDFILE;
  if (file) appendFileSync(file, `${pid}\n`);
};

/**
 * Starts real infrastructure once per jest run (the int and e2e projects both name this
 * file; the second call finds it running). TEST_INFRA selects how:
 *   local (default)  nats-server -js and embedded PostgreSQL, as child processes
 *   containers       testcontainers: NATS, EventStoreDB, MongoDB, PostgreSQL (needs a container engine)
 * TEST_NATS_URL / TEST_DATABASE_URL, when set, are used as they are instead of starting one.
 * The local nats-server has a user per service (TEST_NATS_USERS); services under test log in
 * with theirs (testInfrastructure().natsUsers).
 */
export default async function globalSetup(): Promise<void> {
  if (globalThis.__schedulerTestInfrastructure) return;
  const mode = process.env.TEST_INFRA ?? 'local';
  if (mode === 'containers') {
    const { startContainers } = await import('./containers.js');
    globalThis.__schedulerTestInfrastructure = await startContainers();
    return;
  }
  if (mode !== 'local') {
    throw new Error(`TEST_INFRA must be "local" or "containers", not "${mode}"`);
  }
  const started: Array<{ stop(): Promise<void> }> = [];
  const parts: string[] = [];
  if (!process.env.TEST_NATS_URL) {
    // Many test files each create their own prefixed streams; their reservations need room.
    // Lazy fsync like PostgreSQL's unsafeFast below: tests check behaviour, not power-loss safety.
    // With authorization on, as in production: every service's user with the permissions the
    // contracts derive (for any bus prefix: each test file has its own). Test code that connects
    // without credentials acts as the unrestricted harness user.
    const users = localBusUsers(anyBusPrefix);
    const nats = await startNatsServer({
      onSpawn: recordPid,
      maxFileStore: '4T',
      unsafeFast: true,
      users: [...Object.values(users), { user: 'harness', password: randomBytes(18).toString('base64url') }],
      anonymousAs: 'harness',
    });
    started.push(nats);
    process.env.TEST_NATS_URL = nats.url;
    process.env.TEST_NATS_USERS = JSON.stringify(
      Object.fromEntries(Object.values(users).map(({ user, password }) => [user, { user, password }])),
    );
    // Where JetStream keeps its files: the erasure e2e greps them for plaintext.
    process.env.TEST_NATS_STORE_DIR = nats.storeDir;
    parts.push(`nats-server ${nats.version} ${nats.url}`);
  }
  if (!process.env.TEST_DATABASE_URL) {
    const postgres = await startEmbeddedPostgres({ unsafeFast: true, onSpawn: recordPid });
    started.push(postgres);
    process.env.TEST_DATABASE_URL = postgres.url;
    parts.push(`embedded PostgreSQL :${postgres.port}`);
  }
  globalThis.__schedulerTestInfrastructure = {
    description: parts.join(', ') || 'external (TEST_NATS_URL, TEST_DATABASE_URL)',
    async stop() {
      await Promise.allSettled(started.map((part) => part.stop()));
    },
  };
}
