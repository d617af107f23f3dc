import { createHash } from 'node:crypto';
import type { CalendarEvent } from '@scheduler/google';
import { CalendarEventChanged, type DataOf, primitives, streamIdPattern } from '@scheduler/contracts';
import type { ConferenceLink } from './conference.js';

export type CalendarEventChangedData = DataOf<typeof CalendarEventChanged>;
export type LiveEventData = Extract<CalendarEventChangedData, { change: 'created' | 'updated' }>;
type Invitee = { email: string; displayName?: string };

const MAXIMUM_TITLE_LENGTH = 1024;
const MAXIMUM_DISPLAY_NAME_LENGTH = 256;
const MAXIMUM_ATTENDEES = 1000;
const MAXIMUM_STREAM_ID_PART = 400;

/**
 * `calendarEvent-<userId>.<eventId>`, as the contract says. Google allows client-chosen event ids of
 * up to 1024 characters; the stream name pattern allows 400 after the category, so a longer id is
 * replaced by its SHA-256 (the ":" cannot occur in a Google event id, so it never collides).
 */
export function calendarEventStreamId(userId: string, eventId: string): string {
  const plain = `${userId}.${eventId}`;
  const part =
    plain.length <= MAXIMUM_STREAM_ID_PART
      ? plain
      : `${userId}.sha256:${createHash('sha256').update(eventId).digest('hex')}`;
  const streamId = `${CalendarEventChanged.category}-${part}`;
  if (!streamIdPattern(CalendarEventChanged.category).test(streamId))
    throw new RangeError(`no calendarEvent stream name can be made for user ${userId}`);
  return streamId;
}

export const calendarWatchStreamId = (userId: string) => `calendarWatch-${userId}`;

export interface EventOwner {
  readonly userId: string;
  /** Compared case-insensitively with the organizer; never logged. */
  readonly email: string;
  /**
   * The user's own secondary calendars (ownCalendarIds): the organiser of an event made on one
   * of them is that calendar. Needed only when the organiser is not the user's email.
   */
  readonly ownCalendarIds?: ReadonlySet<string>;
}

/**
 * The CalendarEventChanged data for a live (not cancelled) event. Values Google allows but our
 * contract does not (a title over 1024 characters, a room resource as attendee, an attendee
 * without a valid email) are trimmed or left out rather than failing the whole calendar's sync;
 * anything else that does not fit makes createEvent throw, and the caller skips that one event.
 */
export function liveEventData(input: {
  owner: EventOwner;
  calendarId: string;
  event: CalendarEvent;
  conference: ConferenceLink | undefined;
  change: 'created' | 'updated';
  /** eventTimeZone(event), or the calendar's when the event names none. */
  timeZone: string;
  /** Stands in for Google's `updated` stamp when the event lacks one. */
  now: Date;
}): LiveEventData {
  const { owner, event, calendarId } = input;
  const timeZone = input.timeZone;
  const organizerEmail = event.organizer?.email ?? '';
  return {
    change: input.change,
    userId: owner.userId,
    calendarId,
    eventId: event.id ?? '',
    iCalUID: event.iCalUID ?? '',
    // Never organizer.self: Google sets it relative to the calendar being read, so a delegate
    // reading the owner's calendar would pass for the organiser.
    organizedByUser:
      organizerEmail !== '' &&
      (organizerEmail.toLowerCase() === owner.email.toLowerCase() ||
        (owner.ownCalendarIds?.has(organizerEmail.toLowerCase()) ?? false)),
    title: (event.summary ?? '').slice(0, MAXIMUM_TITLE_LENGTH),
    start: instantOf(event.start, timeZone),
    end: instantOf(event.end, timeZone),
    timeZone,
    attendees: attendeesOf(event.attendees),
    organizerEmail,
    ...(input.conference ? { conference: { ...input.conference } } : {}),
    updatedAt: instantOr(event.updated, input.now),
    ...recurrenceOf(event),
    ...occurrenceOf(event, timeZone),
  } as LiveEventData;
}

/** A series' rule lines, as Calendar states them. */
function recurrenceOf(event: CalendarEvent): { recurrence?: string[] } {
  const lines = (event.recurrence ?? []).map((line) => line.trim()).filter((line) => line !== '');
  return lines.length > 0 ? { recurrence: lines } : {};
}

/** An exception of a series: the series' id and the occurrence's original start (which names it even once moved). */
function occurrenceOf(
  event: Pick<CalendarEvent, 'recurringEventId' | 'originalStartTime'>,
  timeZone: string,
): { recurringEventId?: string; originalStartTime?: string } {
  if (!event.recurringEventId) return {};
  const originalStartTime = event.originalStartTime
    ? instantOf(event.originalStartTime, event.originalStartTime.timeZone ?? timeZone)
    : '';
  return { recurringEventId: event.recurringEventId, originalStartTime };
}

export function cancelledEventData(input: {
  userId: string;
  calendarId: string;
  eventId: string;
  conference: ConferenceLink | undefined;
  updated: string | null | undefined;
  /** A cancelled occurrence of a series: Google's cancelled entry still names its series and slot. */
  occurrence?: { event: Pick<CalendarEvent, 'recurringEventId' | 'originalStartTime'>; timeZone: string };
}): CalendarEventChangedData {
  return {
    change: 'cancelled',
    userId: input.userId,
    calendarId: input.calendarId,
    eventId: input.eventId,
    ...(input.conference ? { conference: { ...input.conference } } : {}),
    ...(input.updated && primitives.Instant.safeParse(input.updated).success
      ? { updatedAt: new Date(input.updated).toISOString() }
      : {}),
    ...(input.occurrence ? occurrenceOf(input.occurrence.event, input.occurrence.timeZone) : {}),
  };
}

/** The event stays, without the conference it carried (`conference`: the link from our row). */
export function conferenceRemovedEventData(input: {
  userId: string;
  calendarId: string;
  eventId: string;
  conference: ConferenceLink;
  updated: string | null | undefined;
  /** Stands in for Google's `updated` stamp when the event lacks one. */
  now: Date;
}): CalendarEventChangedData {
  return {
    change: 'conference-removed',
    userId: input.userId,
    calendarId: input.calendarId,
    eventId: input.eventId,
    conference: { ...input.conference },
    updatedAt: instantOr(input.updated, input.now),
  };
}

/**
 * What the bridge acts on: everything but the change kind and Google's `updated` stamp (Google
 * bumps it for edits we do not care about, such as a reminder).
 */
function relevantState(data: CalendarEventChangedData): string {
  const relevant =
    data.change === 'cancelled'
      ? {
          cancelled: true,
          conference: data.conference ?? null,
          ...occurrenceState(data),
        }
      : data.change === 'conference-removed'
        ? { cancelled: false, conferenceRemoved: data.conference }
        : {
            cancelled: false,
            organizedByUser: data.organizedByUser,
            title: data.title,
            start: Date.parse(data.start),
            end: Date.parse(data.end),
            timeZone: data.timeZone,
            attendees: data.attendees,
            // Read back after a purge it is a Redacted marker, which must compare unequal, not throw.
            organizerEmail:
              typeof data.organizerEmail === 'string'
                ? data.organizerEmail.toLowerCase()
                : data.organizerEmail,
            conference: data.conference ?? null,
            ...(data.recurrence ? { recurrence: data.recurrence } : {}),
            ...occurrenceState(data),
          };
  return JSON.stringify(relevant);
}

/** Present only for occurrences, so the digests of other events stay what they were. */
function occurrenceState(data: { recurringEventId?: string; originalStartTime?: string }) {
  return data.recurringEventId
    ? {
        recurringEventId: data.recurringEventId,
        originalStartTime: data.originalStartTime ? Date.parse(data.originalStartTime) : null,
      }
    : {};
}

/** Whether two changes say the same to the bridge. A forgotten (Redacted) field never matches a value. */
export function sameEventState(left: CalendarEventChangedData, right: CalendarEventChangedData): boolean {
  return relevantState(left) === relevantState(right);
}

/**
 * A digest of the relevant state, salted per event because the state includes the title and
 * attendees: the digest alone reveals nothing.
 */
export function stateDigest(data: CalendarEventChangedData, salt: Buffer): string {
  return createHash('sha256').update(salt).update(relevantState(data)).digest('base64url');
}

/** The event's own IANA time zone, if it names a valid one. */
export function eventTimeZone(event: CalendarEvent): string | undefined {
  const value = event.start?.timeZone;
  return value && primitives.TimeZone.safeParse(value).success ? value : undefined;
}

function instantOr(value: string | null | undefined, fallback: Date): string {
  return value && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : fallback.toISOString();
}

/** A timed event's instant in UTC; an all-day date is midnight in the event's time zone. */
function instantOf(time: CalendarEvent['start'], timeZone: string): string {
  if (time?.dateTime) {
    const milliseconds = Date.parse(time.dateTime);
    return Number.isNaN(milliseconds) ? time.dateTime : new Date(milliseconds).toISOString();
  }
  if (time?.date && /^\d{4}-\d{2}-\d{2}$/.test(time.date)) return zonedMidnight(time.date, timeZone);
  // Neither: the contract rejects the empty string, and the caller skips the event.
  return '';
}

function zonedMidnight(date: string, timeZone: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, day);
  // The zone's offset at that wall time; a second pass settles a day whose offset changes.
  let instant = wall - offsetOf(wall, timeZone);
  instant = wall - offsetOf(instant, timeZone);
  return new Date(instant).toISOString();
}

function offsetOf(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const field = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(
    field('year'),
    field('month') - 1,
    field('day'),
    field('hour'),
    field('minute'),
    field('second'),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** Attendees as invitees: rooms and other resources left out, emails lower-cased, one entry per email, sorted. */
function attendeesOf(attendees: CalendarEvent['attendees']): Invitee[] {
  const byEmail = new Map<string, Invitee>();
  for (const attendee of attendees ?? []) {
    if (attendee.resource) continue;
    const email = attendee.email?.toLowerCase();
    if (!email || !primitives.Email.safeParse(email).success || byEmail.has(email)) continue;
    const displayName = attendee.displayName?.trim().slice(0, MAXIMUM_DISPLAY_NAME_LENGTH);
    byEmail.set(email, { email, ...(displayName ? { displayName } : {}) });
  }
  return [...byEmail.values()]
    .sort((left, right) => (left.email < right.email ? -1 : left.email > right.email ? 1 : 0))
    .slice(0, MAXIMUM_ATTENDEES);
}
