import { CalendarEventChanged, type EventEnvelope, type EventOf } from '@scheduler/contracts';
import type { Decider } from '@scheduler/event-store';
import { type CalendarEventChangedData, sameEventState } from './event-mapping.js';

/** A change seen in Google (or a deletion the attacher found), built and validated by the caller. */
export interface RecordCalendarEventChange {
  readonly change: EventOf<typeof CalendarEventChanged>;
}

export interface CalendarEventState {
  /** What the stream said last; undefined for a new stream. */
  readonly last: CalendarEventChangedData | undefined;
}

/**
 * `calendarEvent-<userId>.<eventId>` says each state of the event once: a change is appended
 * unless it says what the stream's last CalendarEventChanged says already (the same change seen
 * again by an overlapping sync, a retry after a crash, a redelivery).
 */
export const calendarEventDecider: Decider<RecordCalendarEventChange, EventEnvelope, CalendarEventState> = {
  initialState: () => ({ last: undefined }),

  evolve(state, event) {
    return CalendarEventChanged.is(event) ? { last: event.data } : state;
  },

  decide({ change }, state) {
    if (state.last && sameEventState(state.last, change.data)) return [];
    return [change];
  },
};
