/**
 * A plain lower-case SQL identifier: it can go between double quotes in SQL as it is (no quote
 * to escape, nothing folded) and fits PostgreSQL's 63 bytes. Schema and table names that come
 * from configuration are checked against it before any SQL is built with them.
 */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A schema or table name that is not a plain lower-case SQL identifier; no SQL was built with it. */
export class InvalidIdentifierError extends Error {
  override readonly name = 'InvalidIdentifierError';
  constructor(readonly identifier: string) {
    super(`"${identifier}" is not a plain lower-case SQL identifier`);
  }
}

/** Returns `name` when it is a plain lower-case SQL identifier; throws InvalidIdentifierError otherwise. */
export function assertPlainIdentifier(name: string): string {
  if (!PLAIN_IDENTIFIER.test(name)) throw new InvalidIdentifierError(name);
  return name;
}
