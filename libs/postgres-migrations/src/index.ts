export { migrate, migrationChecksum } from './migrate.js';
export { inTransaction, transactionOn } from './transaction.js';
export { privatePool } from './private-pool.js';
export { assertPlainIdentifier, InvalidIdentifierError } from './identifier.js';
export type { PrivatePoolOptions } from './private-pool.js';
export type { Migration, MigrateOptions, MigrationReport } from './migrate.js';
export {
  SchemaMigrationError,
  MigrationSequenceError,
  MigrationChecksumMismatchError,
  DatabaseNewerThanCodeError,
  MigrationFailedError,
  MigrationSchemaNotFoundError,
} from './errors.js';
