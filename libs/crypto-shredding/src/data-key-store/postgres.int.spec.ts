import { isolatedSchema } from '@scheduler/testing';
import { describeDataKeyStoreConformance } from './conformance.js';
import { PostgresDataKeyStore } from './postgres.js';

describeDataKeyStoreConformance('PostgreSQL', async () => {
  const schema = await isolatedSchema('data_keys');
  return {
    store: new PostgresDataKeyStore({ connectionString: schema.connectionString }),
    cleanUp: () => schema.drop(),
  };
});
