import { type Invitee, primitives } from '@scheduler/contracts';
import { type CalendarEvent, GoogleApiError, type GoogleCalendarClient } from '@scheduler/google';
import {
  CalendarAccountNotConnectedError,
  type CalendarEventDetails,
  type CalendarEventQuery,
  type CalendarEventReader,
} from '../src/meetings/calendar-event-reader.js';

/** A connected Google account: its email (to tell whether the user organises an event) and a Calendar client. */
export interface GoogleCalendarAccount {
  readonly email: string;
  readonly calendar: GoogleCalendarClient;
}

export type GoogleCalendarAccountResolver = (user: {
  tenantId: string;
  userId: string;
}) => Promise<GoogleCalendarAccount | undefined>;

const MAXIMUM_ATTENDEES = 1000;

/**
 * For the gateway's int tests only (never built into the service): reads the event straight
 * from the Google emulator with the user's own OAuth client, standing in for google-ingest,
 * which answers ReadCalendarEvent in production.
 */
export class GoogleCalendarEventReader implements CalendarEventReader {
  constructor(private readonly accountFor: GoogleCalendarAccountResolver) {}

  async read(query: CalendarEventQuery): Promise<CalendarEventDetails | undefined> {
    const account = await this.accountFor({ tenantId: query.tenantId, userId: query.userId });
    if (!account) throw new CalendarAccountNotConnectedError(query.tenantId, query.userId);
    let event: CalendarEvent;
    try {
      event = await account.calendar.getEvent(query.calendarId, query.eventId);
    } catch (error) {
      // Google answers 404 both for a missing event and for a calendar the user cannot see.
      if (error instanceof GoogleApiError && (error.status === 404 || error.status === 410)) return undefined;
      throw error;
    }
    if (event.status === 'cancelled') return undefined;
    const ownZone = event.start?.timeZone;
    const timeZone =
      ownZone && primitives.TimeZone.safeParse(ownZone).success ? ownZone : await account.calendar.timeZone();
    const organizerEmail = event.organizer?.email ?? '';
    const ownEmail = account.email.toLowerCase();
    return {
      // As google-ingest answers it: `primary` and the owner's email are one calendar.
      calendarId:
        query.calendarId === 'primary' || query.calendarId.toLowerCase() === ownEmail
          ? ownEmail
          : query.calendarId,
      title: event.summary ?? '',
      // All-day events have only a date; they are passed on empty and refused as unsupported.
      start: instantOf(event.start?.dateTime),
      end: instantOf(event.end?.dateTime),
      timeZone,
      attendees: inviteesOf(event.attendees),
      organizerEmail,
      // As google-ingest decides it: never organizer.self, which Google sets relative to the
      // calendar being read, so a delegate would pass for the organiser.
      organizedByUser: organizerEmail !== '' && organizerEmail.toLowerCase() === account.email.toLowerCase(),
    };
  }
}

function instantOf(dateTime: string | null | undefined): string {
  if (!dateTime) return '';
  const milliseconds = Date.parse(dateTime);
  return Number.isNaN(milliseconds) ? '' : new Date(milliseconds).toISOString();
}

/** Attendees as invitees: resources (rooms) left out, emails lower-cased, one entry per email. */
function inviteesOf(attendees: CalendarEvent['attendees']): Invitee[] {
  const byEmail = new Map<string, Invitee>();
  for (const attendee of attendees ?? []) {
    if (attendee.resource) continue;
    const email = attendee.email?.toLowerCase();
    if (!email || !primitives.Email.safeParse(email).success || byEmail.has(email)) continue;
    const displayName = attendee.displayName?.trim().slice(0, 256);
    byEmail.set(email, { email, ...(displayName ? { displayName } : {}) });
  }
  return [...byEmail.values()].slice(0, MAXIMUM_ATTENDEES);
}
