import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { isolatedSchema, type IsolatedSchema } from '@scheduler/testing';
import { describeDocumentStoreConformance } from '../conformance/document-store.conformance.js';
import { readModelMigrations } from './migrations.js';
import { PostgresReadModelStore } from './postgres-read-model-store.js';

let schema: IsolatedSchema | undefined;
const connectionString = async () => {
  schema ??= await isolatedSchema('read_models_pg');
  return schema.connectionString;
};

describeDocumentStoreConformance({
  name: 'PostgreSQL (JSONB)',
  connect: async () => PostgresReadModelStore.connect({ connectionString: await connectionString() }),
  cleanUp: async () => schema?.drop(),
});

describe('PostgreSQL read-model store specifics', () => {
  let own: IsolatedSchema;
  let store: PostgresReadModelStore;
  let client: pg.Client;
  beforeAll(async () => {
    own = await isolatedSchema('read_models_pg_indexes');
    store = await PostgresReadModelStore.connect({ connectionString: own.connectionString });
    client = new pg.Client({ connectionString: own.connectionString });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await store?.close();
    await own?.drop();
  });

  it('takes over a store made before migrations were recorded, keeping its checkpoints', async () => {
    const previous = await isolatedSchema('read_models_pg_previous');
    const previousClient = new pg.Client({ connectionString: previous.connectionString });
    await previousClient.connect();
    try {
      // What the previous start code created: the catalogue, and no record of migrations.
      await previousClient.query(readModelMigrations((name) => `"${name}"`)[0]!.up);
      await previousClient.query(
        `INSERT INTO projection_checkpoints (projection, generation, position) VALUES ('kept', 1, NULL)`,
      );

      const reopened = await PostgresReadModelStore.connect({ connectionString: previous.connectionString });
      await reopened.close();
      const { rows } = await previousClient.query('SELECT projection FROM projection_checkpoints');
      expect(rows).toEqual([{ projection: 'kept' }]);
      const recorded = await previousClient.query('SELECT component, version FROM schema_migrations');
      expect(recorded.rows).toEqual([{ component: 'read-models', version: 1 }]);
    } finally {
      await previousClient.end();
      await previous.drop();
    }
  });

  it('creates a real expression index for every declared field', async () => {
    await store.collection({
      name: 'summaries',
      indexes: { status: 'string', 'owner.userId': 'string', attendees: 'number' },
    });
    const { rows } = await client.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'summaries__g1'`,
    );
    const definitions = rows.map((row) => row.indexdef).join('\n');
    expect(definitions).toContain(`((document #>> '{status}'::text[])) COLLATE "C"`);
    expect(definitions).toContain(`((document #>> '{owner,userId}'::text[])) COLLATE "C"`);
    expect(definitions).toContain(`((document #>> '{attendees}'::text[]))::double precision`);
    expect(rows).toHaveLength(4); // three declared + the primary key
  });

  it('answers an indexed query with an index scan once the table is big enough to matter', async () => {
    const summaries = await store.collection({ name: 'planned', indexes: { status: 'string' } });
    await client.query(
      `INSERT INTO planned (id, version, document)
       SELECT 'p-' || n, 1, jsonb_build_object('status', CASE WHEN n % 500 = 0 THEN 'rare' ELSE 'common' END)
       FROM generate_series(1, 5000) AS n`,
    );
    await client.query('ANALYZE planned__g1');
    // Capture the adapter's own SQL (not a hand-written copy) and ask the planner about it.
    const sent: Array<{ text: string; values: unknown[] }> = [];
    const original = pg.Pool.prototype.query;
    pg.Pool.prototype.query = function (this: pg.Pool, text: unknown, values?: unknown) {
      if (typeof text === 'string' && text.includes('FROM "planned"'))
        sent.push({ text, values: values as unknown[] });
      return (original as (...parameters: unknown[]) => unknown).call(this, text, values);
    } as typeof original;
    try {
      expect((await summaries.find({ where: { status: 'rare' } })).length).toBe(10);
    } finally {
      pg.Pool.prototype.query = original;
    }
    expect(sent).toHaveLength(1);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN ${sent[0]!.text}`,
      sent[0]!.values,
    );
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/(Index|Bitmap Index) Scan using planned__g1__[0-9a-f]{10}/);
  });
});
