import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  eventually,
  isolatedSchema,
  testInfrastructure,
  uniqueName,
  type IsolatedSchema,
} from '@scheduler/testing';
import { collect, event } from '../conformance/event-store-conformance.js';
import { UnsupportedEventStoreUrlError } from '../errors.js';
import { createEventStore } from '../create-event-store.js';
import { comparePositions } from '../port.js';
import { eventStoreMigrations } from './migrations.js';
import { PostgresEventStore } from './postgres-event-store.js';

// What only the PostgreSQL adapter promises; the port's behaviour is in postgres.int.spec.ts.
describe('PostgresEventStore', () => {
  let schema: IsolatedSchema;
  let store: PostgresEventStore;
  let client: pg.Client;

  beforeAll(async () => {
    schema = await isolatedSchema('event_store_postgres');
    store = await PostgresEventStore.connect({ connectionString: schema.connectionString });
    client = new pg.Client({ connectionString: schema.connectionString });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await store?.close();
    await schema?.drop();
  });

  const newCategory = () => uniqueName('pg').replaceAll('_', '');
  const appendInOpenTransaction = (streamId: string, type: string) =>
    client.query(`SELECT * FROM event_store_append($1, -2, $2::jsonb)`, [
      streamId,
      JSON.stringify([{ id: randomUUID(), type, data: {}, metadata: {} }]),
    ]);

  describe('global order under concurrent writers (the sequence-versus-commit-order trap)', () => {
    it('a subscriber waits for an earlier transaction that commits after a later one, and skips nothing', async () => {
      const category = newCategory();
      const start = await store.append(`${category}-0`, [event('Start')], 'no_stream');
      const collector = collect(
        store.subscribeToAll({ after: start.position, filter: { categories: [category] } }),
      );
      try {
        await eventually(() => expect(collector.items.some((item) => item.kind === 'caughtUp')).toBe(true));
        // The earlier transaction takes its sequence number first and stays open...
        await client.query('BEGIN');
        await appendInOpenTransaction(`${category}-slow`, 'Earlier');
        // ...while a later one takes the next number and commits.
        await store.append(`${category}-fast`, [event('Later')], 'no_stream');
        await new Promise((resolve) => setTimeout(resolve, 500));
        // Delivering "Later" now would move the checkpoint past "Earlier" for ever.
        expect(collector.typesIn(category)).toEqual([]);
        expect(await store.readAll({ after: start.position, filter: { categories: [category] } })).toEqual(
          [],
        );
        await client.query('COMMIT');
        await eventually(() => expect(collector.typesIn(category)).toEqual(['Earlier', 'Later']));
        const read = await store.readAll({ after: start.position, filter: { categories: [category] } });
        expect(read.map((recorded) => recorded.type)).toEqual(['Earlier', 'Later']);
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        await collector.close();
      }
    });

    it('orders by transaction: a transaction that began first sorts first even when its sequence number is larger', async () => {
      const category = newCategory();
      const start = await store.append(`${category}-0`, [event('Start')], 'no_stream');
      const collector = collect(
        store.subscribeToAll({ after: start.position, filter: { categories: [category] } }),
      );
      try {
        await eventually(() => expect(collector.items.some((item) => item.kind === 'caughtUp')).toBe(true));
        await client.query('BEGIN');
        await client.query('SELECT pg_current_xact_id()');
        const later = await store.append(`${category}-fast`, [event('CommittedFirst')], 'no_stream');
        await appendInOpenTransaction(`${category}-slow`, 'BeganFirst');
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(collector.typesIn(category)).toEqual([]);
        await client.query('COMMIT');
        await eventually(() => expect(collector.typesIn(category)).toEqual(['BeganFirst', 'CommittedFirst']));
        const [beganFirst, committedFirst] = collector.eventsIn(category);
        // The sequence alone would have put them the other way round.
        expect(beganFirst!.position.prepare).toBeGreaterThan(committedFirst!.position.prepare);
        expect(comparePositions(beganFirst!.position, committedFirst!.position)).toBeLessThan(0);
        expect(comparePositions(committedFirst!.position, later.position)).toBe(0);
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        await collector.close();
      }
    });

    it('a rolled-back append leaves no trace and does not stall subscribers', async () => {
      const category = newCategory();
      const start = await store.append(`${category}-0`, [event('Start')], 'no_stream');
      const collector = collect(
        store.subscribeToAll({ after: start.position, filter: { categories: [category] } }),
      );
      try {
        await client.query('BEGIN');
        await appendInOpenTransaction(`${category}-slow`, 'RolledBack');
        await store.append(`${category}-fast`, [event('Kept')], 'no_stream');
        await client.query('ROLLBACK');
        await eventually(() => expect(collector.typesIn(category)).toEqual(['Kept']));
      } finally {
        await collector.close();
      }
    });

    it('held-back events are delivered when the older transaction ends, which sends no NOTIFY', async () => {
      // A poll too slow to matter: only the subscription's `pending` retry can deliver in time.
      const slowPolling = await PostgresEventStore.connect({
        connectionString: schema.connectionString,
        subscriptionPollIntervalMs: 120_000,
      });
      const category = newCategory();
      const start = await slowPolling.append(`${category}-0`, [event('Start')], 'no_stream');
      const collector = collect(
        slowPolling.subscribeToAll({ after: start.position, filter: { categories: [category] } }),
      );
      try {
        await eventually(() => expect(collector.items.some((item) => item.kind === 'caughtUp')).toBe(true));
        await client.query('BEGIN');
        await appendInOpenTransaction(`${category}-slow`, 'RolledBack');
        await slowPolling.append(`${category}-fast`, [event('HeldBack')], 'no_stream');
        // Long enough for the NOTIFY to wake the subscription while the event is held back.
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(collector.typesIn(category)).toEqual([]);
        await client.query('ROLLBACK');
        await eventually(() => expect(collector.typesIn(category)).toEqual(['HeldBack']), 5_000);
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        await collector.close();
        await slowPolling.close();
      }
    });
  });

  it('live subscriptions survive losing the LISTEN connection: the store listens again', async () => {
    // A poll too slow to matter: only LISTEN/NOTIFY can deliver within the test.
    const listening = await PostgresEventStore.connect({
      connectionString: schema.connectionString,
      subscriptionPollIntervalMs: 120_000,
    });
    const channel = `event_store_${createHash('sha256').update(schema.schema).digest('hex').slice(0, 12)}`;
    const listenerPids = async () =>
      (
        await client.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE query = $1`, [
          `LISTEN "${channel}"`,
        ])
      ).rows.map((row) => row.pid);
    const category = newCategory();
    const start = await listening.append(`${category}-0`, [event('Start')], 'no_stream');
    const collector = collect(
      listening.subscribeToAll({ after: start.position, filter: { categories: [category] } }),
    );
    try {
      await eventually(() => expect(collector.items.some((item) => item.kind === 'caughtUp')).toBe(true));
      await listening.append(`${category}-1`, [event('BeforeLoss')], 'no_stream');
      await eventually(() => expect(collector.typesIn(category)).toEqual(['BeforeLoss']));
      const [firstPid] = await listenerPids();
      expect(firstPid).toBeDefined();
      await client.query('SELECT pg_terminate_backend($1)', [firstPid]);
      await eventually(async () => {
        const pids = await listenerPids();
        expect(pids).toHaveLength(1);
        expect(pids[0]).not.toBe(firstPid);
      });
      await listening.append(`${category}-1`, [event('AfterLoss')], 0n);
      await eventually(() => expect(collector.typesIn(category)).toEqual(['BeforeLoss', 'AfterLoss']), 5_000);
    } finally {
      await collector.close();
      await listening.close();
    }
  });

  it('a filtered subscription checkpoints past events it filtered out', async () => {
    const category = newCategory();
    const start = await store.append(`${category}-0`, [event('Start')], 'no_stream');
    const collector = collect(
      store.subscribeToAll({ after: start.position, filter: { types: ['NeverAppended'] } }),
    );
    try {
      const last = await store.append(`${category}-1`, [event('A'), event('B')], 'no_stream');
      await eventually(() => {
        const checkpoint = collector.checkpoints().at(-1);
        expect(checkpoint).toBeDefined();
        expect(comparePositions(checkpoint!, last.position)).toBeGreaterThanOrEqual(0);
      });
      expect(collector.events()).toEqual([]);
    } finally {
      await collector.close();
    }
  });

  it('tombstoning deletes the events’ data from the table, for retention', async () => {
    const category = newCategory();
    const stream = `${category}-person`;
    await store.append(
      stream,
      [event('Personal', { email: 'someone@example.com' }), event('More')],
      'no_stream',
    );
    await store.tombstoneStream(stream, 1n);
    const { rows } = await client.query(
      'SELECT count(*)::int AS count FROM event_store_events WHERE stream_id = $1',
      [stream],
    );
    expect(rows[0].count).toBe(0);
    // The marker that refuses the name for ever keeps only its hash: names can be personal too.
    const marker = await client.query(
      `SELECT (SELECT count(*)::int FROM event_store_streams WHERE stream_id = $1) AS streams,
              (SELECT count(*)::int FROM event_store_tombstones WHERE stream_hash = sha256(convert_to($1, 'UTF8'))) AS tombstones`,
      [stream],
    );
    expect(marker.rows[0]).toEqual({ streams: 0, tombstones: 1 });
    expect(await store.readAll({ filter: { categories: [category] } })).toEqual([]);
  });

  it('countEvents counts what readAll would return, with the same position and filter', async () => {
    const category = newCategory();
    const first = await store.append(`${category}-1`, [event('A'), event('B')], 'no_stream');
    await store.append(`${category}-2`, [event('A')], 'no_stream');
    expect(await store.countEvents({ filter: { categories: [category] } })).toBe(3);
    expect(await store.countEvents({ filter: { categories: [category], types: ['A'] } })).toBe(2);
    expect(await store.countEvents({ after: first.position, filter: { categories: [category] } })).toBe(1);
    expect(await store.countEvents()).toBe((await store.readAll()).length);
  });

  it('soft-deleted events stay in readAll (as in EventStoreDB until it scavenges)', async () => {
    const category = newCategory();
    await store.append(`${category}-1`, [event('A')], 'no_stream');
    await store.deleteStream(`${category}-1`, 'any');
    await eventually(async () =>
      expect(
        (await store.readAll({ filter: { categories: [category] } })).map((recorded) => recorded.type),
      ).toEqual(['A']),
    );
  });

  it('migrations are idempotent and safe when several processes start at once', async () => {
    const fresh = await isolatedSchema('event_store_migrations');
    const stores = await Promise.all(
      Array.from({ length: 4 }, () =>
        PostgresEventStore.connect({ connectionString: fresh.connectionString }),
      ),
    );
    try {
      await stores[0]!.append('migration-1', [event('A')], 'no_stream');
      expect(await stores[3]!.readStream('migration-1')).toHaveLength(1);
      const { rows } = await client.query(
        `SELECT count(*)::int AS count FROM "${fresh.schema}".schema_migrations WHERE component = 'event-store'`,
      );
      expect(rows[0].count).toBe(1);
    } finally {
      await Promise.all(stores.map((opened) => opened.close()));
      await fresh.drop();
    }
  });

  it('takes over a store made before migrations were recorded, keeping its events', async () => {
    const old = await isolatedSchema('event_store_previous');
    const oldClient = new pg.Client({ connectionString: old.connectionString });
    await oldClient.connect();
    try {
      // What the previous start code left: the tables and functions, and its own version table.
      const [first] = eventStoreMigrations(old.schema);
      await oldClient.query(first!.up.replace(/;\s*DROP TABLE IF EXISTS [^;]+$/, ''));
      await oldClient.query(`CREATE TABLE event_store_schema_version (version int NOT NULL);
        INSERT INTO event_store_schema_version (version) VALUES (2)`);
      await oldClient.query(`SELECT * FROM event_store_append('previous-1', -1, $1::jsonb)`, [
        JSON.stringify([{ id: randomUUID(), type: 'A', data: {}, metadata: {} }]),
      ]);
      await expect(oldClient.query('SELECT 1 FROM schema_migrations')).rejects.toThrow(/does not exist/);

      const reopened = await PostgresEventStore.connect({ connectionString: old.connectionString });
      try {
        expect((await reopened.readStream('previous-1')).map((recorded) => recorded.type)).toEqual(['A']);
        await reopened.append('previous-1', [event('B')], 0n);
        const { rows } = await oldClient.query(
          `SELECT version, name FROM schema_migrations WHERE component = 'event-store'`,
        );
        expect(rows).toEqual([{ version: 1, name: 'create-event-store' }]);
        const legacy = await oldClient.query(
          `SELECT to_regclass('event_store_schema_version')::text AS name`,
        );
        expect(legacy.rows[0].name).toBeNull();
      } finally {
        await reopened.close();
      }
    } finally {
      await oldClient.end();
      await old.drop();
    }
  });

  it('the schema option puts the tables in that schema whatever the search_path, and a shared pool stays open', async () => {
    const schemaName = uniqueName('event_store_option');
    const pool = new pg.Pool({ connectionString: testInfrastructure().databaseUrl, max: 4 });
    try {
      const named = await PostgresEventStore.connect({
        connectionString: testInfrastructure().databaseUrl,
        schema: schemaName,
        pool,
      });
      await named.append('option-1', [event('A')], 'no_stream');
      await named.close();
      const { rows } = await pool.query(
        `SELECT count(*)::int AS count FROM "${schemaName}".event_store_events`,
      );
      expect(rows[0].count).toBe(1);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schemaName}" CASCADE`);
      await pool.end();
    }
  });

  it('createEventStore picks PostgreSQL for postgres:// and postgresql://, and refuses other schemes', async () => {
    const opened = await createEventStore(schema.connectionString);
    try {
      expect(opened).toBeInstanceOf(PostgresEventStore);
      const stream = `${newCategory()}-1`;
      await opened.append(stream, [event('A')], 'no_stream');
      expect(await store.readStream(stream)).toHaveLength(1);
    } finally {
      await opened.close();
    }
    const postgresql = await createEventStore(schema.connectionString.replace(/^postgres:/, 'postgresql:'));
    await postgresql.close();
    await expect(createEventStore('mysql://localhost/db')).rejects.toBeInstanceOf(
      UnsupportedEventStoreUrlError,
    );
    await expect(createEventStore('not a url')).rejects.toBeInstanceOf(UnsupportedEventStoreUrlError);
  });
});
