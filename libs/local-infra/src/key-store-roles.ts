import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The data-key store's two database roles in a local deployment, and their connection strings. */
export interface KeyStoreRoles {
  /** Owns the key table: migrates it, forgets keys (retention), re-wraps them (`keys rotate`). */
  readonly keeperUrl: string;
  /** Reads keys and adds new ones, but cannot destroy any: every other service. */
  readonly writerUrl: string;
  /** Drops both roles (after the objects the keeper owns are gone). */
  drop(): Promise<void>;
}

const plainIdentifier = /^[a-z_][a-z0-9_]*$/;

/**
 * Creates (or reuses) the keeper and writer login roles on the key store's database, lets the
 * keeper create tables in the URL's current schema and the writer use it; key tables the keeper
 * did not create (a stack from before the roles) are handed to it. What each role may do to the
 * keys is granted by the keeper afterwards (`PostgresDataKeyStore.grantWriter`).
 */
export async function createKeyStoreRoles(
  adminUrl: string,
  names: { readonly keeper: string; readonly writer: string },
): Promise<KeyStoreRoles> {
  for (const name of [names.keeper, names.writer]) {
    if (!plainIdentifier.test(name)) throw new Error(`not a plain role name: ${name}`);
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const password = randomBytes(18).toString('base64url');
  try {
    const { rows } = await admin.query<{ schema: string }>('SELECT current_schema() AS schema');
    const schema = rows[0]!.schema;
    for (const role of [names.keeper, names.writer]) {
      const exists = (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount;
      // A password cannot be a bind parameter in CREATE ROLE; it is ours and base64url.
      await admin.query(`${exists ? 'ALTER' : 'CREATE'} ROLE "${role}" LOGIN PASSWORD '${password}'`);
    }
    await admin.query(`GRANT USAGE, CREATE ON SCHEMA "${schema}" TO "${names.keeper}"`);
    await admin.query(`GRANT USAGE ON SCHEMA "${schema}" TO "${names.writer}"`);
    for (const table of ['data_keys', 'schema_migrations']) {
      const found = await admin.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
        `"${schema}".${table}`,
      ]);
      if (found.rows[0]?.exists)
        await admin.query(`ALTER TABLE "${schema}".${table} OWNER TO "${names.keeper}"`);
    }
  } finally {
    await admin.end();
  }
  const as = (role: string) => {
    const url = new URL(adminUrl);
    url.username = role;
    url.password = password;
    return url.toString();
  };
  return {
    keeperUrl: as(names.keeper),
    writerUrl: as(names.writer),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        for (const role of [names.writer, names.keeper]) {
          await client.query(`DROP OWNED BY "${role}" CASCADE`).catch(() => undefined);
          await client.query(`DROP ROLE IF EXISTS "${role}"`);
        }
      } finally {
        await client.end();
      }
    },
  };
}
