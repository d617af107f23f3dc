import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { isolatedSchema, testInfrastructure, uniqueName, type IsolatedSchema } from '@scheduler/testing';
import {
  DatabaseNewerThanCodeError,
  MigrationChecksumMismatchError,
  MigrationFailedError,
  MigrationSequenceError,
  migrate,
  migrationChecksum,
  type Migration,
} from './index.js';

const COMPONENT = 'probe.accounts';

/** What the code before recorded migrations ran on every start. */
const previousStatements = [
  'CREATE TABLE IF NOT EXISTS probe_accounts (user_id text PRIMARY KEY, created_at timestamptz NOT NULL)',
  'CREATE INDEX IF NOT EXISTS probe_accounts_created ON probe_accounts (created_at)',
];

const migrations: Migration[] = [
  { version: 1, name: 'create-probe-accounts', up: previousStatements.join(';\n') },
  // Plain SQL: each fails when run twice, so running one twice shows up as an error.
  { version: 2, name: 'add-probe-accounts-email', up: 'ALTER TABLE probe_accounts ADD COLUMN email text' },
  {
    version: 3,
    name: 'create-probe-log',
    up: `CREATE TABLE probe_log (entry text NOT NULL);
         INSERT INTO probe_log (entry) VALUES ('version 3 ran')`,
  },
];

async function withPools<Result>(
  schema: IsolatedSchema,
  count: number,
  work: (pools: pg.Pool[]) => Promise<Result>,
): Promise<Result> {
  // One pool each, as separate replica processes have.
  const pools = Array.from(
    { length: count },
    () => new pg.Pool({ connectionString: schema.connectionString, max: 1 }),
  );
  try {
    return await work(pools);
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
}

async function recorded(pool: pg.Pool, component = COMPONENT) {
  const { rows } = await pool.query<{ version: number; name: string; checksum: string }>(
    'SELECT version, name, checksum FROM schema_migrations WHERE component = $1 ORDER BY version',
    [component],
  );
  return rows;
}

describe('migrate', () => {
  let schema: IsolatedSchema;
  let pool: pg.Pool;

  beforeAll(async () => {
    schema = await isolatedSchema('migrations');
    pool = new pg.Pool({ connectionString: schema.connectionString, max: 2 });
  });

  afterAll(async () => {
    await pool.end();
    await schema.drop();
  });

  it('applies every version in order on an empty schema, then nothing on a second run', async () => {
    const first = await migrate(pool, { component: COMPONENT, migrations });
    expect(first).toEqual({
      component: COMPONENT,
      applied: [
        { version: 1, name: 'create-probe-accounts' },
        { version: 2, name: 'add-probe-accounts-email' },
        { version: 3, name: 'create-probe-log' },
      ],
      version: 3,
    });
    expect(await recorded(pool)).toEqual(
      migrations.map((migration) => ({
        version: migration.version,
        name: migration.name,
        checksum: migrationChecksum(migration.up),
      })),
    );
    await pool.query(`INSERT INTO probe_accounts (user_id, created_at, email) VALUES ('u1', now(), 'a@b')`);

    const second = await migrate(pool, { component: COMPONENT, migrations });
    expect(second).toEqual({ component: COMPONENT, applied: [], version: 3 });
    const { rows } = await pool.query('SELECT entry FROM probe_log');
    expect(rows).toEqual([{ entry: 'version 3 ran' }]);
  });

  it('applies only the versions the database lacks', async () => {
    const fresh = await isolatedSchema('migrations_partial');
    try {
      await withPools(fresh, 1, async ([only]) => {
        await migrate(only!, { component: COMPONENT, migrations: migrations.slice(0, 1) });
        const report = await migrate(only!, { component: COMPONENT, migrations });
        expect(report.applied.map((migration) => migration.version)).toEqual([2, 3]);
      });
    } finally {
      await fresh.drop();
    }
  });

  it('lets 8 replicas that start at once on a fresh schema apply each version exactly once, without error', async () => {
    for (let round = 0; round < 5; round++) {
      const fresh = await isolatedSchema(`migrations_race_${round}`);
      try {
        await withPools(fresh, 8, async (pools) => {
          const reports = await Promise.all(
            pools.map((replica) => migrate(replica, { component: COMPONENT, migrations })),
          );
          // Exactly one replica applied each version; the others waited and found it applied.
          expect(
            reports.flatMap((report) => report.applied.map((migration) => migration.version)).sort(),
          ).toEqual([1, 2, 3]);
          expect((await recorded(pools[0]!)).map((row) => row.version)).toEqual([1, 2, 3]);
          const { rows } = await pools[0]!.query<{ count: string }>(
            'SELECT count(*) AS count FROM probe_log',
          );
          expect(rows[0]!.count).toBe('1');
        });
      } finally {
        await fresh.drop();
      }
    }
  });

  it('lets replicas that start at once on a fresh database all succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const fresh = await isolatedSchema(`private_schema_${round}`);
      try {
        await withPools(fresh, 6, async (pools) => {
          await Promise.all(
            pools.map((replica) =>
              migrate(replica, { component: COMPONENT, migrations: migrations.slice(0, 1) }),
            ),
          );
          const { rows } = await pools[0]!.query<{ count: string }>(
            'SELECT count(*) AS count FROM probe_accounts',
          );
          expect(rows[0]!.count).toBe('0');
        });
      } finally {
        await fresh.drop();
      }
    }
  });

  it('lets different components of one schema start at once (the record table is created once)', async () => {
    const fresh = await isolatedSchema('migrations_components');
    try {
      await withPools(fresh, 6, async (pools) => {
        await Promise.all(
          pools.map((replica, index) =>
            migrate(replica, {
              component: `probe.component-${index}`,
              migrations: [
                { version: 1, name: 'create', up: `CREATE TABLE IF NOT EXISTS probe_${index} (id text)` },
              ],
            }),
          ),
        );
        const { rows } = await pools[0]!.query<{ count: string }>(
          'SELECT count(*) AS count FROM schema_migrations',
        );
        expect(rows[0]!.count).toBe('6');
      });
    } finally {
      await fresh.drop();
    }
  });

  it('rolls a failing version back, records nothing for it, and names the failure', async () => {
    const fresh = await isolatedSchema('private_schema_failure');
    try {
      await withPools(fresh, 1, async ([only]) => {
        const failing = migrate(only!, {
          component: COMPONENT,
          migrations: [
            {
              version: 1,
              name: 'create-probe-accounts',
              up: `${previousStatements[0]!}; CREATE TABLE probe_accounts (nope text)`,
            },
          ],
        });
        await expect(failing).rejects.toThrow(MigrationFailedError);
        await expect(failing).rejects.toThrow(/already exists/);
        await expect(failing).rejects.toMatchObject({ component: COMPONENT, version: 1 });
        const { rows } = await only!.query<{ exists: string | null }>(
          `SELECT to_regclass('probe_accounts')::text AS exists`,
        );
        expect(rows[0]!.exists).toBeNull();
        expect(await recorded(only!)).toEqual([]);
      });
    } finally {
      await fresh.drop();
    }
  });

  it('refuses, naming component and version, when an applied version’s SQL changed', async () => {
    const fresh = await isolatedSchema('migrations_checksum');
    try {
      await withPools(fresh, 1, async ([only]) => {
        await migrate(only!, { component: COMPONENT, migrations: migrations.slice(0, 2) });
        const edited = [
          migrations[0]!,
          { ...migrations[1]!, up: 'ALTER TABLE probe_accounts ADD COLUMN email varchar(200)' },
          migrations[2]!,
        ];
        const refused = migrate(only!, { component: COMPONENT, migrations: edited });
        await expect(refused).rejects.toThrow(MigrationChecksumMismatchError);
        await expect(refused).rejects.toMatchObject({
          component: COMPONENT,
          version: 2,
          migrationName: 'add-probe-accounts-email',
          message: expect.stringMatching(/probe\.accounts.*version 2/),
        });
        // Nothing after the refusal ran.
        expect((await recorded(only!)).map((row) => row.version)).toEqual([1, 2]);
      });
    } finally {
      await fresh.drop();
    }
  });

  it('refuses a database that a newer release migrated', async () => {
    const fresh = await isolatedSchema('migrations_newer');
    try {
      await withPools(fresh, 1, async ([only]) => {
        await migrate(only!, { component: COMPONENT, migrations });
        const refused = migrate(only!, { component: COMPONENT, migrations: migrations.slice(0, 2) });
        await expect(refused).rejects.toThrow(DatabaseNewerThanCodeError);
        await expect(refused).rejects.toMatchObject({
          component: COMPONENT,
          databaseVersion: 3,
          codeVersion: 2,
        });
      });
    } finally {
      await fresh.drop();
    }
  });

  it('refuses versions that are not 1, 2, 3 … in the code or in the database', async () => {
    await expect(
      migrate(pool, { component: 'probe.gaps', migrations: [migrations[0]!, migrations[2]!] }),
    ).rejects.toThrow(MigrationSequenceError);
    await expect(
      migrate(pool, { component: 'probe.gaps', migrations: [migrations[1]!, migrations[0]!] }),
    ).rejects.toThrow(MigrationSequenceError);
    await expect(migrate(pool, { component: 'probe.gaps', migrations: [] })).rejects.toThrow(
      MigrationSequenceError,
    );

    const fresh = await isolatedSchema('migrations_hole');
    try {
      await withPools(fresh, 1, async ([only]) => {
        await migrate(only!, { component: COMPONENT, migrations });
        await only!.query(`DELETE FROM schema_migrations WHERE component = $1 AND version = 2`, [COMPONENT]);
        await expect(migrate(only!, { component: COMPONENT, migrations })).rejects.toThrow(
          /records version 3 but not version 2/,
        );
      });
    } finally {
      await fresh.drop();
    }
  });

  it('migrates a database made by the previous CREATE TABLE IF NOT EXISTS code, keeping its rows', async () => {
    const fresh = await isolatedSchema('migrations_previous');
    try {
      await withPools(fresh, 1, async ([only]) => {
        for (const statement of previousStatements) await only!.query(statement);
        await only!.query(`INSERT INTO probe_accounts (user_id, created_at) VALUES ('existing', now())`);

        const report = await migrate(only!, { component: COMPONENT, migrations });
        expect(report.applied.map((migration) => migration.version)).toEqual([1, 2, 3]);
        const { rows } = await only!.query('SELECT user_id, email FROM probe_accounts');
        expect(rows).toEqual([{ user_id: 'existing', email: null }]);
      });
    } finally {
      await fresh.drop();
    }
  });

  it('keeps the record in the schema option, creating it, whatever the search_path', async () => {
    const named = uniqueName('migrations_named');
    const admin = new pg.Pool({ connectionString: testInfrastructure().databaseUrl, max: 1 });
    try {
      await migrate(admin, {
        component: COMPONENT,
        schema: named,
        createSchema: true,
        migrations: [{ version: 1, name: 'create', up: `CREATE TABLE "${named}".probe (id text)` }],
      });
      const { rows } = await admin.query(`SELECT version FROM "${named}".schema_migrations`);
      expect(rows).toEqual([{ version: 1 }]);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${named}" CASCADE`);
      await admin.end();
    }
  });
});
