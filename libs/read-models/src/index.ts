export type {
  JsonDocument,
  IndexType,
  IndexDeclarations,
  DocumentSchema,
  CollectionDefinition,
  StoredDocument,
  ExpectedVersion,
  IndexValue,
  RangeCondition,
  WhereClause,
  OrderBy,
  FindQuery,
  DocumentCollection,
  ReadModelStore,
} from './document-store/port.js';
export {
  VersionConflictError,
  UndeclaredIndexError,
  InvalidQueryError,
  DocumentValidationError,
  InvalidCollectionDefinitionError,
  UnsupportedReadModelUrlError,
} from './document-store/errors.js';
export type { ActualVersion, DocumentIssue } from './document-store/errors.js';
export { PostgresReadModelStore } from './postgres/postgres-read-model-store.js';
export type { PostgresReadModelStoreOptions } from './postgres/postgres-read-model-store.js';
export { MongoReadModelStore } from './mongodb/mongo-read-model-store.js';
export type { MongoReadModelStoreOptions } from './mongodb/mongo-read-model-store.js';
export { createReadModelStore } from './create-read-model-store.js';
export type { ProjectionStore } from './create-read-model-store.js';
export { defineProjection, ProjectionFailedError } from './projections/projection.js';
export type { ProjectionDefinition, ProjectionResult } from './projections/projection.js';
export type {
  ProjectionBackend,
  ProjectionTarget,
  RebuildTarget,
  AppliedBatch,
} from './projections/projection-backend.js';
export { ProjectionRunner, ProjectionStoppedError } from './projections/projection-runner.js';
export type {
  ProjectionRunnerOptions,
  RebuildReport,
  RebuildOptions,
  RebuildProgress,
  EventPageOpener,
} from './projections/projection-runner.js';
