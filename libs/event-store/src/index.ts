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
export { WrongExpectedVersionError, StreamNotFoundError, StreamDeletedError } from './errors.js';
export type { ActualRevision } from './errors.js';
