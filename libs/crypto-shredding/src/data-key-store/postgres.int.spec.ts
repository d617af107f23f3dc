import { describe, expect, it } from '@jest/globals';
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

describe('PostgresDataKeyStore.ensureSchema', () => {
  it('is safe when every service of a deployment starts at once on a fresh database', async () => {
    for (let round = 0; round < 5; round++) {
      const schema = await isolatedSchema(`data_keys_start_${round}`);
      // One pool each, as separate service processes have.
      const stores = Array.from(
        { length: 6 },
        () => new PostgresDataKeyStore({ connectionString: schema.connectionString }),
      );
      try {
        await Promise.all(stores.map((store) => store.ensureSchema()));
        await expect(stores[0]!.get('meeting:any')).resolves.toBeUndefined();
      } finally {
        await Promise.all(stores.map((store) => store.close()));
        await schema.drop();
      }
    }
  });
});
