import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort, localServiceEnvironments } from '@scheduler/local-infra';
import {
  EmulatorControl,
  demoGoogleClient,
  demoTenant,
  demoWebexClient,
  seedDemoTenant,
  startEmulators,
  type RunningEmulators,
} from '@scheduler/emulators';
import { testInfrastructure } from './infrastructure.js';
import { isolatedSchema, uniqueName, type IsolatedSchema } from './isolation.js';
import { startServiceProcess, type ServiceName, type ServiceProcess } from './service-process.js';

export interface JourneyStack {
  readonly gatewayUrl: string;
  readonly emulators: RunningEmulators;
  readonly google: EmulatorControl;
  readonly webex: EmulatorControl;
  readonly services: Readonly<Record<ServiceName, ServiceProcess>>;
  /** Reads the deployment's event store directly (for assertions on the log). */
  readonly eventStore: pg.Pool;
  readonly eventStoreSchema: string;
  /** Stops the service (SIGTERM, or SIGKILL for a crash) and starts it again. */
  restart(service: ServiceName, signal?: NodeJS.Signals): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

const SERVICES: readonly ServiceName[] = ['gateway', 'google-ingest', 'webex-bridge', 'retention'];

/**
 * The whole system for an e2e test file: the four services as real processes (from their
 * sources), the emulators in this process (seeded with the demo tenant), the run's NATS and
 * PostgreSQL with schemas and a JetStream prefix of the file's own. The services get the
 * same settings as under `npm start` (localServiceEnvironments).
 */
export async function startJourneyStack(): Promise<JourneyStack> {
  const infrastructure = testInfrastructure();
  const schemas: IsolatedSchema[] = [];
  const schema = async (name: string) => {
    const created = await isolatedSchema(name);
    schemas.push(created);
    return created;
  };
  const [events, keys, gateway, googleIngest, webexBridge] = await Promise.all([
    schema('journey_events'),
    schema('journey_keys'),
    schema('journey_gateway'),
    schema('journey_google_ingest'),
    schema('journey_webex_bridge'),
  ]);
  const emulators = await startEmulators();
  seedDemoTenant(emulators);
  const ports = {
    gateway: await freePort(),
    googleIngest: await freePort(),
    webexBridge: await freePort(),
    retention: await freePort(),
  };
  const environments = localServiceEnvironments({
    natsUrl: infrastructure.natsUrl,
    eventStoreUrl: events.connectionString,
    keyStoreUrl: keys.connectionString,
    databases: {
      gateway: gateway.connectionString,
      googleIngest: googleIngest.connectionString,
      webexBridge: webexBridge.connectionString,
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
    busPrefix: uniqueName('journey'),
  });
  const services = {} as Record<ServiceName, ServiceProcess>;
  const start = async (service: ServiceName) => {
    services[service] = await startServiceProcess(service, environments[service]);
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
    restart: async (service, signal = 'SIGTERM') => {
      await services[service].stop(signal);
      return start(service);
    },
    async stop() {
      await Promise.allSettled(SERVICES.map((service) => services[service]?.stop('SIGTERM')));
      await eventStore.end();
      await emulators.close();
      await Promise.allSettled(schemas.map((created) => created.drop()));
    },
  };
}
