import type { Invitee } from '@scheduler/contracts';

export interface CalendarEventQuery {
  readonly tenantId: string;
  readonly userId: string;
  readonly calendarId: string;
  readonly eventId: string;
}

/** What the gateway needs of a calendar event to request a meeting for it (personal data: never logged). */
export interface CalendarEventDetails {
  readonly title: string;
  /** ISO 8601 instants. */
  readonly start: string;
  readonly end: string;
  /** IANA name: the event's own, or the calendar's. */
  readonly timeZone: string;
  readonly attendees: readonly Invitee[];
  readonly organizerEmail: string;
  /** Whether the requesting user organises the event: only the organiser may add a meeting. */
  readonly organizedByUser: boolean;
}

/** The user has not connected the Google account whose calendar the event is in. */
export class CalendarAccountNotConnectedError extends Error {
  constructor(
    readonly tenantId: string,
    readonly userId: string,
  ) {
    super(`user ${userId} of ${tenantId} has no connected Google account`);
    this.name = 'CalendarAccountNotConnectedError';
  }
}

/**
 * Reads one calendar event as the requesting user sees it. Google tokens belong to
 * google-ingest (design §2), so in production this is a request to google-ingest; the gateway
 * only sees the details. Resolves undefined when the event does not exist, is cancelled, or
 * the user cannot see it; throws CalendarAccountNotConnectedError when it cannot ask Google.
 */
export interface CalendarEventReader {
  read(query: CalendarEventQuery): Promise<CalendarEventDetails | undefined>;
}

export const CALENDAR_EVENT_READER = Symbol('CALENDAR_EVENT_READER');
