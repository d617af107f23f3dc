import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { isolatedSchema } from '@scheduler/testing';
import { calendarSyncMigrations } from './calendar-sync/migrations.js';
import { googleAccountMigrations } from './google-accounts/migrations.js';
import { migratePrivateDatabase } from './private-database.js';
import { channelMigrations } from './watch-channels/migrations.js';

const recorded = async (pool: pg.Pool) =>
  (
    await pool.query<{ component: string; version: number }>(
      'SELECT component, version FROM schema_migrations ORDER BY component, version',
    )
  ).rows;

const everyMigration = [
  { component: 'google-ingest.accounts', version: 1 },
  { component: 'google-ingest.accounts', version: 2 },
  { component: 'google-ingest.calendar-sync', version: 1 },
  { component: 'google-ingest.calendar-sync', version: 2 },
  { component: 'google-ingest.calendar-sync', version: 3 },
  { component: 'google-ingest.channels', version: 1 },
];

describe("google-ingest's private database", () => {
  it('is migrated once when several replicas start at once on a fresh database', async () => {
    const schema = await isolatedSchema('google_ingest_private_start');
    // One pool each, as separate replica processes have.
    const pools = Array.from(
      { length: 4 },
      () => new pg.Pool({ connectionString: schema.connectionString, max: 1 }),
    );
    try {
      await Promise.all(pools.map(migratePrivateDatabase));
      expect(await recorded(pools[0]!)).toEqual(everyMigration);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await schema.drop();
    }
  });

  it('is taken over from a database made before migrations were recorded, keeping its rows', async () => {
    const schema = await isolatedSchema('google_ingest_private_previous');
    const pool = new pg.Pool({ connectionString: schema.connectionString, max: 2 });
    try {
      // What the previous start code created: the tables and index, and no record of migrations.
      for (const migrations of [googleAccountMigrations, calendarSyncMigrations, channelMigrations]) {
        await pool.query(migrations[0]!.up);
      }
      await pool.query(
        `INSERT INTO calendar_sync_state (user_id, calendar_id, sync_token, last_synced_at)
         VALUES ('u-1', 'primary', 'token-1', now())`,
      );

      await migratePrivateDatabase(pool);
      const { rows } = await pool.query('SELECT sync_token FROM calendar_sync_state');
      expect(rows).toEqual([{ sync_token: 'token-1' }]);
      expect(await recorded(pool)).toEqual(everyMigration);
    } finally {
      await pool.end();
      await schema.drop();
    }
  });
});
