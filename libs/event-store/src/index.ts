export type {
  EventStore,
  ExpectedRevision,
  Position,
  JsonObject,
  EventToAppend,
  RecordedEvent,
  AppendResult,
  ReadStreamOptions,
  EventFilter,
  ReadAllOptions,
  SubscriptionItem,
  SubscribeToAllOptions,
  AllSubscription,
} from './port.js';
export { comparePositions, positionToString, positionFromString, streamCategory } from './port.js';
export { ExpectedVersionConflictError, StreamNotFoundError, StreamDeletedError } from './errors.js';
export type { ActualRevision } from './errors.js';
export { InvalidStreamIdError, InvalidAppendError, UnsupportedEventStoreUrlError } from './errors.js';
export { PostgresEventStore } from './postgres/postgres-event-store.js';
export type { PostgresEventStoreOptions } from './postgres/postgres-event-store.js';
export { createEventStore } from './create-event-store.js';
export { envelopeToEventToAppend, recordedEventToEnvelope } from './envelope-mapping.js';
export * from './command-handling/index.js';
