import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { isolatedSchema } from '@scheduler/testing';
import { describeDataKeyStoreConformance } from './conformance.js';
import { PostgresDataKeyStore } from './postgres.js';
import { dataKeyMigrations } from './postgres-migrations.js';

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

  it('takes over a table made before migrations were recorded, keeping its keys', async () => {
    const schema = await isolatedSchema('data_keys_previous');
    const pool = new pg.Pool({ connectionString: schema.connectionString, max: 2 });
    const store = new PostgresDataKeyStore({ pool });
    try {
      // What the previous start code created: the table, and no record of migrations.
      await pool.query(dataKeyMigrations('"data_keys"')[0]!.up);
      await pool.query(`INSERT INTO data_keys (subject, forgotten_at) VALUES ('meeting:old', now())`);

      await store.ensureSchema();
      await expect(store.get('meeting:old')).resolves.toMatchObject({ state: 'forgotten' });
      const { rows } = await pool.query('SELECT component, version FROM schema_migrations');
      expect(rows).toEqual([{ component: 'crypto-shredding.data_keys', version: 1 }]);
    } finally {
      await store.close();
      await pool.end();
      await schema.drop();
    }
  });
});
