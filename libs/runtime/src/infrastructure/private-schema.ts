import type pg from 'pg';

/**
 * Runs a service's idempotent DDL (CREATE … IF NOT EXISTS) in one transaction under an advisory
 * lock named after it. Replicas of a service start at the same moment on a fresh database, and
 * concurrent CREATE TABLE IF NOT EXISTS still collide in PostgreSQL's catalogue (a unique
 * violation on pg_type), failing all but one start.
 */
export async function ensurePrivateSchema(
  pool: pg.Pool,
  name: string,
  statements: readonly string[],
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`scheduler.private-schema:${name}`]);
    for (const statement of statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
