import { afterAll, beforeAll, expect } from '@jest/globals';
import pg from 'pg';
import { isolatedSchema, type IsolatedSchema } from '@scheduler/testing';
import { PostgresReadModelStore } from '../postgres/postgres-read-model-store.js';
import { describeProjectionRunnerConformance } from '../conformance/projection-runner.conformance.js';

let schema: IsolatedSchema | undefined;
let client: pg.Client | undefined;
const connectionString = async () => {
  schema ??= await isolatedSchema('projection_reads_pg');
  return schema.connectionString;
};
beforeAll(async () => {
  client = new pg.Client({ connectionString: await connectionString() });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
});

describeProjectionRunnerConformance({
  name: 'PostgreSQL (JSONB)',
  connect: async () => PostgresReadModelStore.connect({ connectionString: await connectionString() }),
  cleanUp: async () => schema?.drop(),
  async afterRebuild(projection, generation) {
    const collection = projection.collection.name;
    const live = `${collection}__g${generation}`;
    // Only the live generation is left, with its checkpoint and its declared indexes.
    const { rows: tables } = await client!.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1 ORDER BY 1`,
      [`${collection}__g%`],
    );
    expect(tables.map((row) => row.tablename)).toEqual([live]);
    const { rows: checkpoints } = await client!.query<{ generation: number }>(
      'SELECT generation FROM projection_checkpoints WHERE projection = $1',
      [projection.name],
    );
    expect(checkpoints).toEqual([{ generation }]);
    const { rows: indexes } = await client!.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`,
      [live],
    );
    expect(indexes).toHaveLength(Object.keys(projection.collection.indexes).length + 1);
    // Bulk-loaded unlogged, but durable ("p"ermanent) once it is the live generation.
    const { rows: persistence } = await client!.query<{ relpersistence: string }>(
      `SELECT relpersistence FROM pg_class WHERE oid = to_regclass($1)`,
      [live],
    );
    expect(persistence).toEqual([{ relpersistence: 'p' }]);
    const { rows: view } = await client!.query<{ definition: string }>(
      `SELECT pg_get_viewdef(to_regclass($1)) AS definition`,
      [collection],
    );
    expect(view[0]!.definition).toContain(live);
  },
});
