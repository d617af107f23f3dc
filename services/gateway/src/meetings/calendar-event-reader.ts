import { Inject, Injectable } from '@nestjs/common';
import { sendCommand, type JetStreamClient } from '@scheduler/bus';
import { type Invitee, ReadCalendarEvent } from '@scheduler/contracts';
import { BUS_CLIENT } from '@scheduler/runtime';

export interface CalendarEventQuery {
  readonly tenantId: string;
  readonly userId: string;
  readonly calendarId: string;
  readonly eventId: string;
}

/** What the gateway needs of a calendar event to request a meeting for it (personal data: never logged). */
export interface CalendarEventDetails {
  /** The calendar's canonical id (`primary` is the owner's email): what claims and meetings name. */
  readonly calendarId: string;
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
  /** A recurring series' rule lines (Calendar's); the times above are its first occurrence's. */
  readonly recurrence?: readonly string[];
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
 * google-ingest alone (least privilege), so in production this is a request to google-ingest
 * (NatsCalendarEventReader below); the gateway only sees the details. Resolves undefined when the event does not exist, is cancelled, or
 * the user cannot see it; throws CalendarAccountNotConnectedError when it cannot ask Google.
 */
export interface CalendarEventReader {
  read(query: CalendarEventQuery): Promise<CalendarEventDetails | undefined>;
}

export const CALENDAR_EVENT_READER = Symbol('CALENDAR_EVENT_READER');

/** Reads calendar events through google-ingest, which holds the Google tokens (ReadCalendarEvent). */
@Injectable()
export class NatsCalendarEventReader implements CalendarEventReader {
  constructor(@Inject(BUS_CLIENT) private readonly bus: JetStreamClient) {}

  async read(query: CalendarEventQuery): Promise<CalendarEventDetails | undefined> {
    const response = await sendCommand(this.bus, ReadCalendarEvent, query);
    switch (response.outcome) {
      case 'found': {
        const { invitees, ...details } = response.event;
        return { ...details, attendees: invitees };
      }
      case 'not-found':
        return undefined;
      case 'account-unavailable':
        throw new CalendarAccountNotConnectedError(query.tenantId, query.userId);
    }
  }
}
