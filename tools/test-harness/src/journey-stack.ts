import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresDataKeyStore } from '@scheduler/crypto-shredding';
import { createKeyStoreRoles, freePort, localServiceEnvironments } from '@scheduler/local-infra';
import {
  EmulatorControl,
  demoGoogleClient,
  demoTenant,
  demoWebexClient,
  seedDemoTenant,
  startEmulators,
  type RunningEmulators,
} from '@scheduler/emulators';
import {
  isolatedSchema,
  startServiceProcess,
  testInfrastructure,
  uniqueName,
  type IsolatedSchema,
  type ServiceProcess,
} from '@scheduler/testing';
import { Browser } from './browser.js';

export type ServiceName = 'gateway' | 'google-ingest' | 'webex-bridge' | 'retention';

export interface JourneyStack {
  readonly gatewayUrl: string;
  readonly emulators: RunningEmulators;
  readonly google: EmulatorControl;
  readonly webex: EmulatorControl;
  readonly services: Readonly<Record<ServiceName, ServiceProcess>>;
  /** Reads the deployment's event store directly (for assertions on the log). */
  readonly eventStore: pg.Pool;
  readonly eventStoreSchema: string;
  /** The shared data-key store's schema, in the same database (the `eventStore` pool reaches it qualified). */
  readonly keyStoreSchema: string;
  /** The stack's JetStream prefix (its streams and subjects on the run's NATS). */
  readonly busPrefix: string;
  /**
   * Every schema of the stack (event store, key store, each service's private database and the
   * gateway's read models), all in the `eventStore` pool's database: tests scan them for data.
   */
  readonly schemas: Readonly<Record<'events' | 'keys' | ServiceName, string>>;
  /** Each service's environment, e.g. to run the admin CLI against the stack with the gateway's. */
  readonly environments: Readonly<Record<ServiceName, Readonly<Record<string, string>>>>;
  /**
   * Starts one more process of the service with the same settings (database, bus, consumers) on
   * a port of its own, as a second replica of a deployment; stopped with the stack.
   */
  startReplica(service: ServiceName, environment?: Record<string, string>): Promise<ServiceProcess>;
  /** Stops the service (SIGTERM, or SIGKILL for a crash) and starts it again. */
  restart(service: ServiceName, signal?: NodeJS.Signals): Promise<ServiceProcess>;
  /**
   * Connects the demo user's Google and Webex accounts through the gateway's OAuth redirects
   * (the emulators consent) and returns a Google ID token for the gateway's API.
   */
  connectDemoUser(): Promise<string>;
  /**
   * Moves the emulators' clock forward; retention's timers follow at their next pass (the stack
   * points its RETENTION_CLOCK_URL at the emulators' clock). Answers the new time.
   */
  advanceClock(milliseconds: number): Promise<Date>;
  /**
   * Calls the gateway's API as the holder of `idToken`: GET without a body, POST (JSON) with
   * one, unless `method` says otherwise (e.g. DELETE). Answers the status and the parsed body.
   */
  callGateway<T>(
    idToken: string,
    path: string,
    body?: unknown,
    method?: string,
  ): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

const SERVICES: readonly ServiceName[] = ['gateway', 'google-ingest', 'webex-bridge', 'retention'];

/** Each service runs from its sources in the repository, as under its own tests. */
const serviceSource = (name: ServiceName) => ({
  name,
  main: new URL(`../../../services/${name}/src/main.ts`, import.meta.url),
});

/**
 * The whole system for an e2e test file: the four services as real processes (from their
 * sources), the emulators in this process (seeded with the demo tenant), the run's NATS and
 * PostgreSQL with schemas and a JetStream prefix of the file's own. The services get the
 * same settings as under `npm start` (localServiceEnvironments).
 */
export interface JourneyStackOptions {
  /** Settings added to (or replacing) a service's local ones, e.g. a shorter interval. */
  readonly environment?: Partial<Record<ServiceName, Record<string, string>>>;
}

export async function startJourneyStack(options: JourneyStackOptions = {}): Promise<JourneyStack> {
  const infrastructure = testInfrastructure();
  const schemas: IsolatedSchema[] = [];
  const schema = async (name: string) => {
    const created = await isolatedSchema(name);
    schemas.push(created);
    return created;
  };
  const [events, keys, gateway, googleIngest, webexBridge, retention] = await Promise.all([
    schema('journey_events'),
    schema('journey_keys'),
    schema('journey_gateway'),
    schema('journey_google_ingest'),
    schema('journey_webex_bridge'),
    schema('journey_retention'),
  ]);
  // The key store's two roles, as a deployment has them: retention alone may destroy keys.
  const keyRoles = await createKeyStoreRoles(keys.connectionString, {
    keeper: uniqueName('keys_keeper'),
    writer: uniqueName('keys_writer'),
  });
  const keeper = new PostgresDataKeyStore({ connectionString: keyRoles.keeperUrl });
  try {
    await keeper.ensureSchema();
    await keeper.grantWriter(new URL(keyRoles.writerUrl).username);
  } finally {
    await keeper.close();
  }
  const emulators = await startEmulators();
  seedDemoTenant(emulators);
  const ports = {
    gateway: await freePort(),
    googleIngest: await freePort(),
    webexBridge: await freePort(),
    retention: await freePort(),
  };
  const busPrefix = uniqueName('journey');
  const localEnvironments = localServiceEnvironments({
    natsUrl: infrastructure.natsUrl,
    // Each service as its own NATS user, limited to what its contracts allow.
    natsUsers: infrastructure.natsUsers,
    eventStoreUrl: events.connectionString,
    keyStoreUrl: keyRoles.writerUrl,
    keyStoreKeeperUrl: keyRoles.keeperUrl,
    databases: {
      gateway: gateway.connectionString,
      googleIngest: googleIngest.connectionString,
      webexBridge: webexBridge.connectionString,
      retention: retention.connectionString,
    },
    googleUrl: emulators.googleUrl,
    webexUrl: emulators.webexUrl,
    ports,
    tenantDomain: demoTenant.domain,
    google: demoGoogleClient,
    webex: demoWebexClient,
    secrets: {
      oauthStateSecret: randomBytes(32).toString('base64url'),
      keyEncryptionKey: `e2e:${randomBytes(32).toString('base64')}`,
    },
    busPrefix,
  });
  const environments = Object.fromEntries(
    SERVICES.map((service) => [
      service,
      {
        ...localEnvironments[service],
        // Retention's timers run on the emulators' clock, so a test can move weeks forward.
        ...(service === 'retention' ? { RETENTION_CLOCK_URL: `${emulators.googleUrl}/control/clock` } : {}),
        ...options.environment?.[service],
      },
    ]),
  ) as Record<ServiceName, Record<string, string>>;
  const replicas: ServiceProcess[] = [];
  const services = {} as Record<ServiceName, ServiceProcess>;
  const start = async (service: ServiceName) => {
    services[service] = await startServiceProcess(serviceSource(service), environments[service]);
    await services[service].waitUntilReady(60_000);
    return services[service];
  };
  const eventStore = new pg.Pool({ connectionString: events.connectionString, max: 2 });
  try {
    await Promise.all(SERVICES.map(start));
  } catch (error) {
    await Promise.allSettled(Object.values(services).map((process) => process.stop('SIGKILL')));
    await eventStore.end();
    await emulators.close();
    await Promise.allSettled(schemas.map((created) => created.drop()));
    await keyRoles.drop().catch(() => undefined);
    throw error;
  }
  return {
    gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
    emulators,
    google: new EmulatorControl(emulators.googleUrl),
    webex: new EmulatorControl(emulators.webexUrl),
    services,
    eventStore,
    eventStoreSchema: events.schema,
    keyStoreSchema: keys.schema,
    busPrefix,
    schemas: {
      events: events.schema,
      keys: keys.schema,
      gateway: gateway.schema,
      'google-ingest': googleIngest.schema,
      'webex-bridge': webexBridge.schema,
      retention: retention.schema,
    },
    environments,
    async callGateway<T>(idToken: string, path: string, body?: unknown, method?: string) {
      const response = await fetch(`http://127.0.0.1:${ports.gateway}${path}`, {
        method: method ?? (body === undefined ? 'GET' : 'POST'),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async advanceClock(milliseconds: number) {
      const { now } = await new EmulatorControl(emulators.googleUrl).request<{ now: string }>(
        '/clock/advance',
        { milliseconds },
      );
      return new Date(now);
    },
    async connectDemoUser() {
      const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
      const google = new EmulatorControl(emulators.googleUrl);
      const { idToken } = await google.request<{ idToken: string }>('/google/id-token', {
        email: demoTenant.user,
        audience: demoGoogleClient.clientId,
      });
      const returnTo = `${gatewayUrl}/health/live`;
      // One browser for both flows: each callback needs the flow cookie its start set.
      const browser = new Browser();
      await followRedirects(
        browser,
        `${gatewayUrl}/v1/oauth/google/start?returnTo=${encodeURIComponent(returnTo)}`,
      );
      const start = await browser.fetch(`${gatewayUrl}/v1/oauth/webex/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
        body: JSON.stringify({ returnTo }),
      });
      const { authorizationUrl } = (await start.json()) as { authorizationUrl: string };
      await followRedirects(browser, authorizationUrl);
      return idToken;
    },
    async startReplica(service, environment = {}) {
      const replica = await startServiceProcess(serviceSource(service), {
        ...environments[service],
        ...environment,
        HTTP_PORT: String(await freePort()),
      });
      replicas.push(replica);
      await replica.waitUntilReady(60_000);
      return replica;
    },
    restart: async (service, signal = 'SIGTERM') => {
      await services[service].stop(signal);
      return start(service);
    },
    async stop() {
      await Promise.allSettled([
        ...SERVICES.map((service) => services[service]?.stop('SIGTERM')),
        ...replicas.map((replica) => replica.stop('SIGTERM')),
      ]);
      await eventStore.end();
      await emulators.close();
      await Promise.allSettled(schemas.map((created) => created.drop()));
      await keyRoles.drop().catch(() => undefined);
    },
  };
}

/** The browser's part of an OAuth round trip: follow redirects until a page answers. */
async function followRedirects(browser: Browser, url: string): Promise<void> {
  const { response, body } = await browser.navigate(url);
  if (response && response.status >= 400) throw new Error(`${url} ended with ${response.status}: ${body}`);
}
