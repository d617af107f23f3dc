/**
 * The constants the PostgreSQL event store's SQL functions and its TypeScript side share.
 * The tables and functions themselves are its migrations (migrations.ts).
 */

/** ExpectedRevision as the append function receives it (EventStoreDB's numbers). */
export const EXPECTED_ANY = -2n;
export const EXPECTED_NO_STREAM = -1n;
export const EXPECTED_STREAM_EXISTS = -4n;

/** The first column of what event_store_append and event_store_delete return. */
export const OUTCOME_DONE = 0;
export const OUTCOME_WRONG_EXPECTED_REVISION = 1;
export const OUTCOME_TOMBSTONED = 2;

export const STREAM_ACTIVE = 0;
export const STREAM_DELETED = 1;

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
