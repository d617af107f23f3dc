export { CalendarEventReader } from './calendar-event-reader.js';
export type {
  CalendarEventDetails,
  CalendarEventRead,
  CalendarEventReaderOptions,
  EventNotFound,
} from './calendar-event-reader.js';
