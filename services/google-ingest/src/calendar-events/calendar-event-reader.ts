import { primitives } from '@scheduler/contracts';
import { GoogleApiError, type CalendarEvent } from '@scheduler/google';
import { canonicalCalendarId } from '../calendar-sync/calendar-id.js';
import { type ConferenceLink, readOurConference } from '../calendar-sync/conference.js';
import { eventTimeZone, liveEventData } from '../calendar-sync/event-mapping.js';
import { organizedElsewhere, ownCalendarIds } from '../calendar-sync/own-calendars.js';
import { GoogleAccountUnavailableError } from '../google-accounts/errors.js';
import type { GoogleTokenStore } from '../google-accounts/google-token-store.js';

/** What the gateway needs to request a meeting for an event. Personal data: never logged. */
export interface CalendarEventDetails {
  /** Canonical: `primary` is answered as the owner's email, the id the sync reports. */
  readonly calendarId: string;
  readonly eventId: string;
  readonly iCalUID: string;
  /** Google's title, at most 1024 characters (the bridge shortens it to Webex's 128). */
  readonly title: string;
  /** UTC instants; an all-day date is midnight in `timeZone`. */
  readonly start: string;
  readonly end: string;
  /** The event's IANA zone, or the calendar's when the event names none (all-day, floating). */
  readonly timeZone: string;
  /** Attendees without rooms and without the organizer: lower-cased, one per email, sorted. */
  readonly invitees: ReadonlyArray<{ email: string; displayName?: string }>;
  readonly organizerEmail: string;
  readonly organizedByUser: boolean;
  /** Our conference, when the event already carries one. */
  readonly conference?: ConferenceLink;
  /** A recurring series' rule lines; the times above are its first occurrence's. */
  readonly recurrence?: readonly string[];
}

export type CalendarEventRead =
  { readonly outcome: 'found'; readonly event: CalendarEventDetails } | EventNotFound;

/** No such event for this user: unknown, deleted (cancelled), or on a calendar the user cannot read. */
export interface EventNotFound {
  readonly outcome: 'not-found';
  readonly calendarId: string;
  readonly eventId: string;
  readonly reason: 'unknown' | 'cancelled' | 'no-times';
}

export interface CalendarEventReaderOptions {
  readonly tokens: Pick<GoogleTokenStore, 'lookup'>;
  readonly clock?: () => Date;
}

/**
 * Reads one Google Calendar event for a user (title, start, end, time zone, attendees),
 * mapped exactly as the sync engine maps it, so what the gateway records and what the sync later
 * reports compare equal.
 */
export class CalendarEventReader {
  private readonly tokens: CalendarEventReaderOptions['tokens'];
  private readonly clock: () => Date;

  constructor(options: CalendarEventReaderOptions) {
    this.tokens = options.tokens;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Throws GoogleAccountUnavailableError when the user has no usable account; Google errors other than 404/410 propagate. */
  async read(input: { userId: string; calendarId: string; eventId: string }): Promise<CalendarEventRead> {
    const { userId, eventId } = input;
    // Until the account is known, the id as asked; then the canonical one (`primary` is the email).
    let calendarId = input.calendarId;
    const notFound = (reason: EventNotFound['reason']): EventNotFound => ({
      outcome: 'not-found',
      calendarId,
      eventId,
      reason,
    });
    // An id Google could never have issued is not sent to Google.
    if (
      !primitives.CalendarEventId.safeParse(eventId).success ||
      !primitives.CalendarId.safeParse(calendarId).success
    )
      return notFound('unknown');
    const lookup = await this.tokens.lookup(userId);
    if (lookup.state !== 'connected') throw new GoogleAccountUnavailableError(userId, lookup.state);
    const { account } = lookup;
    calendarId = canonicalCalendarId(calendarId, account.email);
    let event: CalendarEvent;
    try {
      event = await account.calendar.getEvent(calendarId, eventId);
    } catch (error) {
      if (error instanceof GoogleApiError && (error.status === 404 || error.status === 410))
        return notFound('unknown');
      throw error;
    }
    if (event.status === 'cancelled') return notFound('cancelled');
    const timeZone = eventTimeZone(event) ?? (await account.calendar.timeZone());
    const conference = readOurConference(event.conferenceData);
    const data = liveEventData({
      owner: {
        userId,
        email: account.email,
        ...(organizedElsewhere(event.organizer?.email, account.email)
          ? { ownCalendarIds: await ownCalendarIds(account) }
          : {}),
      },
      calendarId,
      event,
      conference,
      change: 'created',
      timeZone,
      now: this.clock(),
    });
    if (!data.start || !data.end) return notFound('no-times');
    const organizer = data.organizerEmail.toLowerCase();
    return {
      outcome: 'found',
      event: {
        calendarId,
        eventId: data.eventId,
        iCalUID: data.iCalUID,
        title: data.title,
        start: data.start,
        end: data.end,
        timeZone: data.timeZone,
        invitees: data.attendees.filter((attendee) => attendee.email !== organizer),
        organizerEmail: data.organizerEmail,
        organizedByUser: data.organizedByUser,
        ...(conference ? { conference } : {}),
        ...(data.recurrence ? { recurrence: data.recurrence } : {}),
      },
    };
  }
}
