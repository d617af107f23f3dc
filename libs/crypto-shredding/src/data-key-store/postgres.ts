import pg from 'pg';
import { assertPlainIdentifier, migrate } from '@scheduler/postgres-migrations';
import type { ActiveDataKey, DataKeyStore, StoredDataKey } from './port.js';
import { dataKeyMigrations } from './postgres-migrations.js';

interface Row {
  subject: string;
  key_id: string | null;
  key_encryption_key_id: string | null;
  wrapped_key: Buffer | null;
  created_at: Date;
  forgotten_at: Date | null;
}

function toStoredDataKey(row: Row): StoredDataKey {
  if (row.forgotten_at !== null || row.wrapped_key === null) {
    return { state: 'forgotten', subject: row.subject, forgottenAt: row.forgotten_at ?? row.created_at };
  }
  return {
    state: 'active',
    subject: row.subject,
    keyId: row.key_id!,
    keyEncryptionKeyId: row.key_encryption_key_id!,
    wrappedKey: row.wrapped_key,
    createdAt: row.created_at,
  };
}

export interface PostgresDataKeyStoreOptions {
  /** Either a pool the caller owns, or a connection string (the store then owns its pool). */
  readonly pool?: pg.Pool;
  readonly connectionString?: string;
  /** Schema of the table; default: the connection's search_path. */
  readonly schema?: string;
  readonly table?: string;
}

/**
 * PostgreSQL adapter. Forgetting nulls the key material in place; PostgreSQL keeps the old row
 * version until VACUUM, and WAL archives and backups keep it longer (see libs/crypto-shredding/README.md).
 */
export class PostgresDataKeyStore implements DataKeyStore {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly table: string;
  private readonly tableName: string;
  private readonly schema: string | undefined;

  constructor(options: PostgresDataKeyStoreOptions) {
    if (!options.pool && !options.connectionString) {
      throw new Error('PostgresDataKeyStore needs a pool or a connection string');
    }
    const table = options.table ?? 'data_keys';
    for (const name of [table, ...(options.schema ? [options.schema] : [])]) {
      assertPlainIdentifier(name);
    }
    this.table = options.schema ? `"${options.schema}"."${table}"` : `"${table}"`;
    this.tableName = table;
    this.schema = options.schema;
    this.ownsPool = !options.pool;
    this.pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 4 });
    // An idle connection dropped by the server (restart, failover) is emitted on the pool and would
    // crash the process unhandled; the pool replaces it, and the next query reports any real outage.
    if (this.ownsPool) this.pool.on('error', () => undefined);
  }

  /** Every service of a deployment runs this at start, often at the same moment: the migrator serialises them. */
  async ensureSchema(): Promise<void> {
    await migrate(this.pool, {
      component: `crypto-shredding.${this.tableName}`,
      schema: this.schema,
      migrations: dataKeyMigrations(this.table),
    });
  }

  /**
   * Lets `role` use the keys without being able to destroy them: it may read them and insert new
   * ones (never a tombstone), but neither update (forget, rewrap) nor delete. Run by the role that
   * owns the table (the one retention and `keys rotate` connect as), after ensureSchema. Every
   * other service connects as such a writer role; it also needs USAGE on the schema, which the
   * schema's owner grants.
   */
  async grantWriter(role: string): Promise<void> {
    assertPlainIdentifier(role);
    const { rows } = await this.pool.query<{ schema: string }>('SELECT current_schema() AS schema');
    const schema = this.schema ?? rows[0]!.schema;
    await this.pool.query(
      `REVOKE ALL ON ${this.table} FROM PUBLIC;
       GRANT SELECT, INSERT (subject, key_id, key_encryption_key_id, wrapped_key, created_at)
         ON ${this.table} TO "${role}";
       GRANT SELECT ON "${schema}".schema_migrations TO "${role}"`,
    );
  }

  async get(subject: string): Promise<StoredDataKey | undefined> {
    const result = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE subject = $1`, [subject]);
    return result.rows[0] ? toStoredDataKey(result.rows[0]) : undefined;
  }

  async getMany(subjects: readonly string[]): Promise<ReadonlyMap<string, StoredDataKey>> {
    if (subjects.length === 0) return new Map();
    const result = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE subject = ANY($1::text[])`, [
      [...new Set(subjects)],
    ]);
    return new Map(result.rows.map((row) => [row.subject, toStoredDataKey(row)]));
  }

  async getOrCreate(candidate: ActiveDataKey): Promise<StoredDataKey> {
    // ON CONFLICT DO NOTHING makes the loser wait for the winner's commit, then read its row.
    const inserted = await this.pool.query<Row>(
      `INSERT INTO ${this.table} (subject, key_id, key_encryption_key_id, wrapped_key, created_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (subject) DO NOTHING
       RETURNING *`,
      [
        candidate.subject,
        candidate.keyId,
        candidate.keyEncryptionKeyId,
        Buffer.from(candidate.wrappedKey),
        candidate.createdAt,
      ],
    );
    if (inserted.rows[0]) return toStoredDataKey(inserted.rows[0]);
    const existing = await this.get(candidate.subject);
    if (!existing) throw new Error(`data key of ${candidate.subject} vanished between insert and read`);
    return existing;
  }

  async forget(subject: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.table} AS stored (subject, forgotten_at) VALUES ($1, now())
       ON CONFLICT (subject) DO UPDATE
         SET key_id = NULL, key_encryption_key_id = NULL, wrapped_key = NULL,
             forgotten_at = COALESCE(stored.forgotten_at, now())`,
      [subject],
    );
  }

  async findWrappedByOtherThan(keyEncryptionKeyId: string, limit: number): Promise<readonly ActiveDataKey[]> {
    const result = await this.pool.query<Row>(
      `SELECT * FROM ${this.table}
       WHERE forgotten_at IS NULL AND key_encryption_key_id <> $1
       ORDER BY created_at, subject LIMIT $2`,
      [keyEncryptionKeyId, limit],
    );
    return result.rows.map(toStoredDataKey).filter((key): key is ActiveDataKey => key.state === 'active');
  }

  async rewrap(
    expected: ActiveDataKey,
    replacement: { readonly keyEncryptionKeyId: string; readonly wrappedKey: Uint8Array },
  ): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE ${this.table}
       SET key_encryption_key_id = $4, wrapped_key = $5, rewrapped_at = now()
       WHERE subject = $1 AND key_id = $2 AND key_encryption_key_id = $3 AND wrapped_key = $6
         AND forgotten_at IS NULL`,
      [
        expected.subject,
        expected.keyId,
        expected.keyEncryptionKeyId,
        replacement.keyEncryptionKeyId,
        Buffer.from(replacement.wrappedKey),
        Buffer.from(expected.wrappedKey),
      ],
    );
    return result.rowCount === 1;
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}
