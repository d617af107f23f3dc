// npm start: the whole system on one machine with zero configuration: embedded PostgreSQL,
// nats-server, the Google and Webex emulators (seeded with a demo tenant and user) and the
// four services, each in its own process, run from their builds in dist/. Ctrl-C stops
// everything; nothing is left running.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { busNames, busUsers } from '@scheduler/contracts';
import { PostgresDataKeyStore } from '@scheduler/crypto-shredding';
import {
  createKeyStoreRoles,
  localBusUsers,
  localServiceEnvironments,
  startEmbeddedPostgres,
  startNatsServer,
} from '@scheduler/local-infra';
import {
  demoGoogleClient,
  demoTenant,
  demoWebexClient,
  seedDemoTenant,
  startEmulators,
} from '@scheduler/emulators';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// Ctrl-C reaches every process in the terminal's process group. The stack therefore runs in
// a group of its own and this first process only relays the signal, so that shutdown keeps
// its order: services drain first, while NATS and PostgreSQL are still up, then those stop.
if (!process.env.SCHEDULER_STACK_SUPERVISED) {
  const stack = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, SCHEDULER_STACK_SUPERVISED: '1' },
  });
  const relay = () => stack.kill('SIGTERM');
  process.on('SIGINT', relay);
  process.on('SIGTERM', relay);
  // `npm start` execs this script, so the SIGTERM that npm passes on reaches it. Should its
  // parent go anyway (killed, or a shell that died of a signal without passing it on), this
  // process is adopted by another and nobody would ever stop the stack: stop it now.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && relay(), 500).unref();
  stack.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  await new Promise(() => {}); // the stack's exit ends this process
}
// SCHEDULER_STACK_DIR lets a test run a stack of its own beside a developer's.
const stateDir = resolve(process.env.SCHEDULER_STACK_DIR ?? join(root, '.dev-stack'));
mkdirSync(stateDir, { recursive: true });

const ports = {
  postgres: Number(process.env.STACK_POSTGRES_PORT ?? 55432),
  nats: Number(process.env.STACK_NATS_PORT ?? 54222),
  google: Number(process.env.GOOGLE_EMULATOR_PORT ?? 4010),
  webex: Number(process.env.WEBEX_EMULATOR_PORT ?? 4020),
  gateway: Number(process.env.GATEWAY_PORT ?? 3000),
  'google-ingest': Number(process.env.GOOGLE_INGEST_PORT ?? 3001),
  'webex-bridge': Number(process.env.WEBEX_BRIDGE_PORT ?? 3002),
  retention: Number(process.env.RETENTION_PORT ?? 3003),
};
const services = ['gateway', 'google-ingest', 'webex-bridge', 'retention'];

const cleanups = [];
const children = new Map();
let stopping = false;
// A stop that arrives while the stack starts waits for the start-up to end, so that
// whatever it started (PostgreSQL during initdb, say) is stopped too.
let startup = Promise.resolve();

const log = (message) => console.log(`[stack] ${message}`);

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await startup.catch(() => {});
  await Promise.allSettled(
    [...children.values()].map(
      (child) =>
        new Promise((resolveExit) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
          child.once('exit', resolveExit);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      log(`cleanup failed: ${error}`);
    }
  }
  log('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// The relaying parent is gone (killed, or its terminal closed): stop rather than linger.
process.on('disconnect', () => void shutdown(0));

async function waitUntilReady(name, url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      const response = await fetch(`${url}/health/ready`);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = String(error.cause ?? error);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
  throw new Error(`${name} was not ready within ${timeoutMs} ms: ${last}`);
}

/** Secrets of the local stack: random on first start, kept in .dev-stack/ (never committed). */
function developmentSecrets() {
  const file = join(stateDir, 'secrets.json');
  const kept = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  // Kept across restarts: a new key-encryption key would make the stored data keys unreadable.
  const secrets = {
    oauthStateSecret: randomBytes(32).toString('base64url'),
    keyEncryptionKey: `dev-1:${randomBytes(32).toString('base64')}`,
    ...kept,
  };
  // Kept so that the CLI's NATS password (NATS_USER=scheduler-cli) stays valid across restarts.
  secrets.natsPasswords ??= Object.fromEntries(
    busUsers.map((user) => [user, randomBytes(18).toString('base64url')]),
  );
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function ensureDatabase(adminUrl, name) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function start() {
  const databaseDir = join(stateDir, 'postgres');
  const postgres = await startEmbeddedPostgres({ port: ports.postgres, databaseDir, persistent: true });
  cleanups.push(() => postgres.stop());
  const dataNote =
    postgres.dataDir === databaseDir
      ? ''
      : `  (data in ${postgres.dataDir}: the postgres OS user cannot reach ${databaseDir})`;
  log(`PostgreSQL   ${postgres.url.replace(/:[^:@/]+@/, ':***@')}${dataNote}`);

  // As in production: each service (and the admin CLI) logs in as its own user, limited to the
  // subjects its contracts allow; anonymous clients are refused.
  const secrets = developmentSecrets();
  const natsUsers = localBusUsers(busNames(''), secrets.natsPasswords);
  const nats = await startNatsServer({
    port: ports.nats,
    storeDir: join(stateDir, 'nats'),
    users: Object.values(natsUsers),
  });
  cleanups.push(() => nats.stop());
  log(
    `NATS         ${nats.url} (nats-server ${nats.version}, ${nats.syncAlways ? 'sync_interval: always' : 'lazy fsync: no sync_interval before 2.10'})`,
  );
  log(
    `             users per service; the CLI's: NATS_USER=scheduler-cli, password in ${join(stateDir, 'secrets.json')}`,
  );

  const emulators = await startEmulators({
    googlePort: ports.google,
    webexPort: ports.webex,
  });
  seedDemoTenant(emulators);
  cleanups.push(() => emulators.close());
  log(`Google emu   ${emulators.googleUrl}`);
  log(`Webex emu    ${emulators.webexUrl}`);
  log('Demo tenant  demo.example, user alice@demo.example (see tools/emulators/README.md)');

  // One event store for the deployment (the log every service appends its own events to);
  // each service's private state (read models, tokens, channels) in a database of its own.
  const eventStoreUrl = await ensureDatabase(postgres.url, 'events');
  // The key store's two roles, as in a deployment: retention alone may destroy data keys.
  const keyRoles = await createKeyStoreRoles(await ensureDatabase(postgres.url, 'keys'), {
    keeper: 'scheduler_keys_keeper',
    writer: 'scheduler_keys_writer',
  });
  const keeper = new PostgresDataKeyStore({ connectionString: keyRoles.keeperUrl });
  try {
    await keeper.ensureSchema();
    await keeper.grantWriter('scheduler_keys_writer');
  } finally {
    await keeper.close();
  }
  const serviceEnvironment = localServiceEnvironments({
    natsUrl: nats.url,
    natsUsers,
    eventStoreUrl,
    keyStoreUrl: keyRoles.writerUrl,
    keyStoreKeeperUrl: keyRoles.keeperUrl,
    databases: {
      gateway: await ensureDatabase(postgres.url, 'gateway'),
      googleIngest: await ensureDatabase(postgres.url, 'google_ingest'),
      webexBridge: await ensureDatabase(postgres.url, 'webex_bridge'),
      retention: await ensureDatabase(postgres.url, 'retention'),
    },
    googleUrl: emulators.googleUrl,
    webexUrl: emulators.webexUrl,
    ports: {
      gateway: ports.gateway,
      googleIngest: ports['google-ingest'],
      webexBridge: ports['webex-bridge'],
      retention: ports.retention,
    },
    tenantDomain: demoTenant.domain,
    google: demoGoogleClient,
    webex: demoWebexClient,
    secrets,
  });

  if (stopping) return;
  for (const service of services) {
    const child = spawn(process.execPath, [join(root, `services/${service}/dist/main.js`)], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        ...serviceEnvironment[service],
      },
    });
    children.set(service, child);
    child.once('exit', (code, signal) => {
      if (!stopping) {
        log(`${service} exited unexpectedly (${code ?? signal}); stopping the stack`);
        void shutdown(1);
      }
    });
  }
  await Promise.all(services.map((service) => waitUntilReady(service, `http://127.0.0.1:${ports[service]}`)));
  if (stopping) return;
  log('all services ready:');
  for (const service of services)
    log(`  ${service.padEnd(14)} http://127.0.0.1:${ports[service]}  (/health/ready, /metrics)`);
  log('press Ctrl-C to stop');
}

startup = start();
startup.catch((error) => {
  console.error(`[stack] failed to start: ${error instanceof Error ? error.message : error}`);
  void shutdown(1);
});
