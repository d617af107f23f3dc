import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testInfrastructure } from './infrastructure.js';

/** A name no other test file (or earlier run) uses: for schemas, streams, subjects, durables. */
export function uniqueName(prefix: string): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '') || 't';
  return `${clean}_${randomBytes(5).toString('hex')}`;
}

export interface IsolatedSchema {
  readonly schema: string;
  /** Connection string whose sessions use this schema as their search_path. */
  readonly connectionString: string;
  drop(): Promise<void>;
}

/**
 * A fresh PostgreSQL schema for one test file. Code under test gets a connection string
 * whose search_path points at it, so its tables never meet another file's.
 */
export async function isolatedSchema(prefix: string): Promise<IsolatedSchema> {
  const { databaseUrl } = testInfrastructure();
  const schema = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    schema,
    connectionString: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Polls until the check passes or the timeout ends; the last failure is rethrown. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
