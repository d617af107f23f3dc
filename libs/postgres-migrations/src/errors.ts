/** Every refusal of the migrator; nothing of the refused run was applied. */
export class SchemaMigrationError extends Error {
  constructor(
    readonly component: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`schema migrations of ${component}: ${message}`, options);
    this.name = 'SchemaMigrationError';
  }
}

/** The code's list is malformed, or the database's record of it has a hole. */
export class MigrationSequenceError extends SchemaMigrationError {
  constructor(
    component: string,
    readonly reason: string,
  ) {
    super(component, reason);
    this.name = 'MigrationSequenceError';
  }
}

/** An applied migration's SQL was edited afterwards: the database may not match what the code now says. */
export class MigrationChecksumMismatchError extends SchemaMigrationError {
  constructor(
    component: string,
    readonly version: number,
    readonly migrationName: string,
    readonly recordedChecksum: string,
    readonly codeChecksum: string,
  ) {
    super(
      component,
      `version ${version} (${migrationName}) was applied with checksum ${recordedChecksum}, ` +
        `but the code's SQL now has ${codeChecksum}; add a new migration instead of editing an applied one`,
    );
    this.name = 'MigrationChecksumMismatchError';
  }
}

/** A newer release migrated this database; running older code on it could corrupt data. */
export class DatabaseNewerThanCodeError extends SchemaMigrationError {
  constructor(
    component: string,
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      component,
      `the database is at version ${databaseVersion}, but this code knows only up to ${codeVersion}`,
    );
    this.name = 'DatabaseNewerThanCodeError';
  }
}

/** A migration's SQL failed; its transaction was rolled back, earlier versions stay applied. */
export class MigrationFailedError extends SchemaMigrationError {
  constructor(
    component: string,
    readonly version: number,
    readonly migrationName: string,
    cause: unknown,
  ) {
    super(
      component,
      `version ${version} (${migrationName}) failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'MigrationFailedError';
  }
}

/** There is no schema to keep the migration record in. */
export class MigrationSchemaNotFoundError extends SchemaMigrationError {
  constructor(component: string) {
    super(component, 'the connection has no current schema (does its search_path name an existing schema?)');
    this.name = 'MigrationSchemaNotFoundError';
  }
}
