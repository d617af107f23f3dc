import { afterAll, beforeAll, describe } from '@jest/globals';
import { isolatedSchema, type IsolatedSchema } from '@scheduler/testing';
import { describeEventStoreConformance } from '../conformance/event-store-conformance.js';
import { PostgresEventStore } from './postgres-event-store.js';

let schema: IsolatedSchema;
beforeAll(async () => {
  schema = await isolatedSchema('event_store_conformance');
});
afterAll(async () => {
  await schema?.drop();
});

describe('PostgreSQL adapter', () => {
  describeEventStoreConformance('PostgreSQL', () =>
    PostgresEventStore.connect({ connectionString: schema.connectionString }),
  );
});
