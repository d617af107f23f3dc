import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { isolatedSchema } from '@scheduler/testing';
import { TIMER_TABLE, timerMigrations } from './migrations.js';
import { MeetingTimersRepository } from './meeting-timers.repository.js';

describe('the timer table', () => {
  it('is created once when several replicas start at once on a fresh database', async () => {
    const schema = await isolatedSchema('retention_timers_start');
    // One pool each, as separate replica processes have.
    const pools = Array.from(
      { length: 4 },
      () => new pg.Pool({ connectionString: schema.connectionString, max: 1 }),
    );
    try {
      await Promise.all(pools.map((pool) => new MeetingTimersRepository(pool).ensureSchema()));
      await expect(new MeetingTimersRepository(pools[0]!).get('any')).resolves.toBeUndefined();
      const { rows } = await pools[0]!.query('SELECT component, version FROM schema_migrations');
      expect(rows).toEqual([{ component: 'retention.timers', version: 1 }]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await schema.drop();
    }
  });

  it('is taken over from a database made before migrations were recorded, keeping its timers', async () => {
    const schema = await isolatedSchema('retention_timers_previous');
    const pool = new pg.Pool({ connectionString: schema.connectionString, max: 2 });
    try {
      // What the previous start code created: the table and index, and no record of migrations.
      await pool.query(timerMigrations[0]!.up);
      await pool.query(
        `INSERT INTO ${TIMER_TABLE} (meeting_id, tenant_id, stream_id, state, ends_at, purge_at,
           retention_after_end_seconds, last_event_id, last_event_at, correlation_id)
         VALUES ('m-1', 't', 'meeting-m-1', 'scheduled', now(), now(), 0, 'e-1', now(), 'c-1')`,
      );

      const store = new MeetingTimersRepository(pool);
      await store.ensureSchema();
      await expect(store.get('m-1')).resolves.toMatchObject({ meetingId: 'm-1', state: 'scheduled' });
      const { rows } = await pool.query('SELECT component, version FROM schema_migrations');
      expect(rows).toEqual([{ component: 'retention.timers', version: 1 }]);
    } finally {
      await pool.end();
      await schema.drop();
    }
  });
});
