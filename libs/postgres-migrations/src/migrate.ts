import { createHash } from 'node:crypto';
import type pg from 'pg';
import { transactionOn } from './transaction.js';
import {
  DatabaseNewerThanCodeError,
  MigrationChecksumMismatchError,
  MigrationFailedError,
  MigrationSchemaNotFoundError,
  MigrationSequenceError,
} from './errors.js';

/**
 * One step of a component's schema. Versions count 1, 2, 3 … with no gaps. Once a version has
 * run anywhere its SQL must never change (the checksum refuses it): change the schema with a
 * new version instead.
 *
 * Version 1 of a component whose tables existed before migrations were recorded uses
 * IF NOT EXISTS, so it also succeeds on those databases; every later version is plain SQL.
 */
export interface Migration {
  readonly version: number;
  /** For people reading schema_migrations, e.g. 'create-google-accounts'. */
  readonly name: string;
  /**
   * One or more statements, run in one transaction together with the version's record (so no
   * BEGIN/COMMIT of their own, and nothing that refuses a transaction, like CREATE INDEX CONCURRENTLY).
   */
  readonly up: string;
}

export interface MigrateOptions {
  /** Whose tables these are, e.g. 'google-ingest.accounts'; components sharing a database never interfere. */
  readonly component: string;
  readonly migrations: readonly Migration[];
  /** Schema holding schema_migrations; default: the connection's current_schema(). */
  readonly schema?: string;
  /** Create `schema` when it is missing. */
  readonly createSchema?: boolean;
}

export interface MigrationReport {
  readonly component: string;
  /** What this run applied, in order; empty when the database was already current. */
  readonly applied: readonly { readonly version: number; readonly name: string }[];
  /** The component's version in the database now. */
  readonly version: number;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/** First key of every lock the migrator takes; the second is the schema or schema/component. */
const LOCK_NAMESPACE = 'scheduler.schema-migrations';

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** Line endings are normalised: a checkout that converts them must not look like an edit. */
export function migrationChecksum(up: string): string {
  return createHash('sha256').update(up.replaceAll('\r\n', '\n')).digest('hex');
}

function checkSequence(component: string, migrations: readonly Migration[]): void {
  if (migrations.length === 0) throw new MigrationSequenceError(component, 'the code lists no migrations');
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new MigrationSequenceError(
        component,
        `versions must run 1, 2, 3 … without gaps, but position ${index + 1} holds version ${migration.version}`,
      );
    }
    if (migration.name.trim() === '' || migration.up.trim() === '') {
      throw new MigrationSequenceError(component, `version ${migration.version} has no name or no SQL`);
    }
  });
}

/**
 * Brings a component's tables to the newest version the code lists, recording each applied
 * version in `schema_migrations` (component, version, name, checksum, applied_at).
 *
 * Replicas start at the same moment: a session advisory lock per schema and component makes
 * one of them apply while the others wait, then find everything applied. Each version runs in
 * its own transaction together with its record, so a failure leaves the database at the
 * previous version. Refuses (typed errors, nothing applied) when an applied version's SQL
 * changed, when the database is newer than the code, or when versions have gaps.
 */
export async function migrate(pool: pg.Pool, options: MigrateOptions): Promise<MigrationReport> {
  const { component, migrations } = options;
  checkSequence(component, migrations);
  const client = await pool.connect();
  let lockKey: string | undefined;
  let broken: Error | undefined;
  try {
    const schema = options.schema ?? (await currentSchema(client, component));
    const table = `${quote(schema)}.schema_migrations`;
    const key = `${schema}/${component}`;
    await client.query('SELECT pg_advisory_lock(hashtext($1), hashtext($2))', [LOCK_NAMESPACE, key]);
    lockKey = key;
    await createRecordTable(client, schema, table, options.createSchema ?? false);

    const { rows } = await client.query<AppliedRow>(
      `SELECT version, name, checksum FROM ${table} WHERE component = $1 ORDER BY version`,
      [component],
    );
    checkApplied(component, migrations, rows);

    const applied: { version: number; name: string }[] = [];
    for (const migration of migrations.slice(rows.length)) {
      await transactionOn(client, async () => {
        try {
          await client.query(migration.up);
        } catch (error) {
          throw new MigrationFailedError(component, migration.version, migration.name, error);
        }
        await client.query(
          `INSERT INTO ${table} (component, version, name, checksum) VALUES ($1, $2, $3, $4)`,
          [component, migration.version, migration.name, migrationChecksum(migration.up)],
        );
      });
      applied.push({ version: migration.version, name: migration.name });
    }
    return { component, applied, version: migrations.length };
  } finally {
    if (lockKey !== undefined) {
      await client
        .query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [LOCK_NAMESPACE, lockKey])
        .catch((error: unknown) => {
          broken = error instanceof Error ? error : new Error(String(error));
        });
    }
    // A connection whose unlock failed may still hold the lock: destroy it instead of pooling it.
    client.release(broken);
  }
}

async function currentSchema(client: pg.ClientBase, component: string): Promise<string> {
  const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  const schema = rows[0]?.schema;
  if (!schema) throw new MigrationSchemaNotFoundError(component);
  return schema;
}

/**
 * Components of one schema start at once too, and concurrent CREATE … IF NOT EXISTS of the
 * same table or schema still collide in PostgreSQL's catalogue: a lock per schema serialises it.
 */
async function createRecordTable(
  client: pg.ClientBase,
  schema: string,
  table: string,
  createSchema: boolean,
): Promise<void> {
  // A role that may use the tables but not create any (the data-key store's writer role) can
  // still check that everything is applied: nothing is created when the record table exists.
  const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    table,
  ]);
  if (rows[0]?.exists) return;
  await transactionOn(client, async () => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [LOCK_NAMESPACE, schema]);
    if (createSchema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
      component text NOT NULL,
      version integer NOT NULL CHECK (version > 0),
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version)
    )`);
  });
}

function checkApplied(
  component: string,
  migrations: readonly Migration[],
  rows: readonly AppliedRow[],
): void {
  const newest = rows.at(-1)?.version ?? 0;
  if (newest > migrations.length) throw new DatabaseNewerThanCodeError(component, newest, migrations.length);
  rows.forEach((row, index) => {
    if (row.version !== index + 1) {
      throw new MigrationSequenceError(
        component,
        `the database records version ${row.version} but not version ${index + 1}`,
      );
    }
    const migration = migrations[index]!;
    const checksum = migrationChecksum(migration.up);
    if (row.checksum !== checksum) {
      throw new MigrationChecksumMismatchError(component, row.version, row.name, row.checksum, checksum);
    }
  });
}
