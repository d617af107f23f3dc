import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import type { StartedInfrastructure } from './started-infrastructure.js';

/**
 * TEST_INFRA=containers: the production backends in containers, for the adapters that
 * cannot run on a machine without a container engine (EventStoreDB, MongoDB). Chosen
 * explicitly only; there is no silent fallback from the local mode.
 */
export async function startContainers(): Promise<StartedInfrastructure> {
  const containers: StartedTestContainer[] = [];
  try {
    const [nats, postgres, eventStoreDb, mongo] = await Promise.all([
      new GenericContainer('nats:2.10-alpine')
        .withCommand(['-js'])
        .withExposedPorts(4222)
        .withWaitStrategy(Wait.forLogMessage('Server is ready'))
        .start(),
      new GenericContainer('postgres:17-alpine')
        .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage('database system is ready to accept connections', 2))
        .start(),
      new GenericContainer('docker.eventstore.com/eventstore/eventstoredb-ee:24.10')
        .withEnvironment({
          EVENTSTORE_INSECURE: 'true',
          EVENTSTORE_RUN_PROJECTIONS: 'None',
          EVENTSTORE_MEM_DB: 'true',
        })
        .withExposedPorts(2113)
        .withWaitStrategy(Wait.forHttp('/health/live', 2113))
        .start(),
      new GenericContainer('mongo:8')
        .withCommand(['--replSet', 'rs0', '--bind_ip_all'])
        .withExposedPorts(27017)
        .withWaitStrategy(Wait.forLogMessage('Waiting for connections'))
        .start(),
    ]);
    containers.push(nats, postgres, eventStoreDb, mongo);
    await mongo.exec([
      'mongosh',
      '--quiet',
      '--eval',
      'rs.initiate({_id:"rs0",members:[{_id:0,host:"localhost:27017"}]})',
    ]);
    process.env.TEST_NATS_URL = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
    process.env.TEST_DATABASE_URL = `postgres://postgres:postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/postgres`;
    process.env.TEST_ESDB_URL = `esdb://${eventStoreDb.getHost()}:${eventStoreDb.getMappedPort(2113)}?tls=false`;
    process.env.TEST_MONGODB_URL = `mongodb://${mongo.getHost()}:${mongo.getMappedPort(27017)}/?directConnection=true`;
  } catch (error) {
    await Promise.allSettled(containers.map((container) => container.stop()));
    throw new Error(
      `TEST_INFRA=containers could not start its containers (is a container engine running?): ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  return {
    description: 'testcontainers: NATS, PostgreSQL, EventStoreDB, MongoDB',
    async stop() {
      await Promise.allSettled(containers.map((container) => container.stop()));
    },
  };
}
