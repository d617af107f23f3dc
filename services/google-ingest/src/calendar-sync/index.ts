export {
  CONFERENCE_SOLUTION_TYPE,
  CONFERENCE_PARAMETER_MEETING_ID,
  CONFERENCE_PARAMETER_VERSION,
  CONFERENCE_PARAMETER_VERSION_VALUE,
  ConferenceDataInvalidError,
  OurConferenceInput,
  buildOurConferenceData,
  readOurConference,
} from './conference.js';
export type { ConferenceLink } from './conference.js';
export { CalendarSyncEngine } from './calendar-sync-engine.js';
export type {
  CalendarAccount,
  CalendarSyncEngineOptions,
  CalendarSyncResult,
} from './calendar-sync-engine.js';
export {
  calendarEventStreamId,
  calendarWatchStreamId,
  eventTimeZone,
  liveEventData,
} from './event-mapping.js';
export { ensureCalendarSyncSchema } from './schema.js';
export { recordWatchFacts } from './calendar-watch-stream.js';
export { calendarEventDecider } from './calendar-event.decider.js';
export type { CalendarEventState, RecordCalendarEventChange } from './calendar-event.decider.js';
