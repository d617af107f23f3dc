import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { isolatedSchema } from '@scheduler/testing';
import { ensurePrivateSchema } from './private-schema.js';

const statements = [
  'CREATE TABLE IF NOT EXISTS probe_accounts (user_id text PRIMARY KEY, created_at timestamptz NOT NULL)',
  'CREATE INDEX IF NOT EXISTS probe_accounts_created ON probe_accounts (created_at)',
];

describe('ensurePrivateSchema', () => {
  it('lets replicas that start at once on a fresh database all succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const schema = await isolatedSchema(`private_schema_${round}`);
      // One pool each, as separate replica processes have.
      const pools = Array.from(
        { length: 6 },
        () => new pg.Pool({ connectionString: schema.connectionString, max: 1 }),
      );
      try {
        await Promise.all(pools.map((pool) => ensurePrivateSchema(pool, 'probe', statements)));
        const { rows } = await pools[0]!.query<{ count: string }>(
          'SELECT count(*) AS count FROM probe_accounts',
        );
        expect(rows[0]!.count).toBe('0');
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
        await schema.drop();
      }
    }
  });

  it('changes nothing when a statement fails, and names the failure', async () => {
    const schema = await isolatedSchema('private_schema_failure');
    const pool = new pg.Pool({ connectionString: schema.connectionString, max: 1 });
    try {
      await expect(
        ensurePrivateSchema(pool, 'probe', [statements[0]!, 'CREATE TABLE probe_accounts (nope text)']),
      ).rejects.toThrow(/already exists/);
      const { rows } = await pool.query<{ exists: string | null }>(
        `SELECT to_regclass('probe_accounts')::text AS exists`,
      );
      expect(rows[0]!.exists).toBeNull();
    } finally {
      await pool.end();
      await schema.drop();
    }
  });
});
