import type { ExpectedVersion } from './port.js';

export type ActualVersion = number | 'absent';

export class VersionConflictError extends Error {
  constructor(
    readonly collection: string,
    readonly id: string,
    readonly expected: ExpectedVersion,
    readonly actual: ActualVersion,
  ) {
    super(`${collection}/${id}: expected version ${expected}, but it is ${actual}`);
    this.name = 'VersionConflictError';
  }
}

/** A query named a field the collection does not declare as an index. */
export class UndeclaredIndexError extends Error {
  constructor(
    readonly collection: string,
    readonly field: string,
    readonly declared: readonly string[],
  ) {
    super(
      `${collection}: "${field}" is not a declared index (declared: ${declared.join(', ') || 'none'}); ` +
        'declare it on the collection instead of scanning',
    );
    this.name = 'UndeclaredIndexError';
  }
}

/** A query is malformed: wrong value type for an index, empty `in`, bad limit, unknown operator. */
export class InvalidQueryError extends Error {
  constructor(
    readonly collection: string,
    readonly reason: string,
  ) {
    super(`${collection}: invalid query: ${reason}`);
    this.name = 'InvalidQueryError';
  }
}

export interface DocumentIssue {
  readonly path: string;
  readonly message: string;
}

/** A document failed its collection's schema or its index types; nothing was written. */
export class DocumentValidationError extends Error {
  constructor(
    readonly collection: string,
    readonly id: string,
    readonly issues: readonly DocumentIssue[],
  ) {
    super(
      `${collection}/${id}: invalid document: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    );
    this.name = 'DocumentValidationError';
  }
}

/** A collection definition cannot be used: bad name, bad index path or type. */
export class InvalidCollectionDefinitionError extends Error {
  constructor(
    readonly collection: string,
    readonly reason: string,
  ) {
    super(`collection "${collection}": ${reason}`);
    this.name = 'InvalidCollectionDefinitionError';
  }
}

/** The read-model URL names no backend we have. */
export class UnsupportedReadModelUrlError extends Error {
  constructor(readonly scheme: string) {
    super(`read-model store URL scheme "${scheme}" is not supported (use postgres:// or mongodb://)`);
    this.name = 'UnsupportedReadModelUrlError';
  }
}
