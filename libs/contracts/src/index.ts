export { defineEvent, defineCommand, createEvent, streamIdPattern, serviceNames } from './define.js';
export type {
  EventContract,
  CommandContract,
  EventEnvelope,
  EventOf,
  DataOf,
  RequestOf,
  ResponseOf,
  EventCause,
  ServiceName,
} from './define.js';
export { personal, personalDataPaths } from './personal-data.js';
export {
  ContractViolationError,
  contractErrorMap,
  UnknownEventTypeError,
  UnsupportedSchemaVersionError,
  formatPath,
  toContractIssues,
} from './errors.js';
export type { ContractIssue } from './errors.js';
export * as primitives from './primitives.js';
export { newUuidV7 } from './primitives.js';
export type { Invitee } from './primitives.js';
export * from './catalogue/index.js';
export { UpcasterRegistry } from './upcasting.js';
export type { Upcaster } from './upcasting.js';
export { contractJsonSchemas } from './json-schemas.js';
export { upcasters, parseEvent } from './parse-event.js';
export {
  exampleEventData,
  exampleEvent,
  exampleEvents,
  exampleEventsOf,
  exampleTenantId,
  exampleUserId,
  exampleMeetingId,
} from './examples.js';
export type { ExampleEventData, ExampleEventOptions } from './examples.js';
export {
  webexRecurrence,
  seriesRecurrenceOf,
  lastOccurrenceEnd,
  occurrenceStarts,
  lastOccurrenceStart,
} from './recurrence/webex-recurrence.js';
export type {
  RecurrenceMapping,
  RecurrenceRefusal,
  SeriesRule,
  WebexSeriesRecurrence,
} from './recurrence/webex-recurrence.js';
export { basicUtc, sameDay, wallTimeOf, instantOf } from './recurrence/zoned-time.js';
export {
  busNames,
  prefixedSubject,
  eventSubject,
  eventSubjectsWildcard,
  commandSubject,
  deadLetterSubject,
  deadLetterSubjectsWildcard,
  checkpointSubject,
  durableName,
} from './bus/bus-names.js';
export type { BusNames } from './bus/bus-names.js';
export { busUsers, busPermissions, eventConsumers, inboxPrefixOf, anyBusPrefix } from './bus/bus-access.js';
export type { BusUser, BusPermissions } from './bus/bus-access.js';
