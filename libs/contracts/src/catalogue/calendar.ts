import { z } from 'zod';
import { defineEvent } from '../define.js';
import { personal } from '../personal-data.js';
import {
  CalendarEventId,
  CalendarId,
  Email,
  Instant,
  Invitee,
  MeetingId,
  RecurrenceLines,
  TimeZone,
  UserId,
} from '../primitives.js';

const Channel = {
  userId: UserId,
  calendarId: CalendarId,
  channelId: z.string().min(1).max(64),
  resourceId: z.string().min(1).max(256),
  expiresAt: Instant,
};

/** Streams: `calendarWatch-<userId>` (every calendar the user watches: the primary one, and those meetings live on). */
export const CalendarWatchStarted = defineEvent({
  type: 'CalendarWatchStarted',
  producer: 'google-ingest',
  category: 'calendarWatch',
  schemaVersion: 1,
  data: z.strictObject(Channel),
});

export const CalendarWatchRenewed = defineEvent({
  type: 'CalendarWatchRenewed',
  producer: 'google-ingest',
  category: 'calendarWatch',
  schemaVersion: 1,
  data: z.strictObject({ ...Channel, previousChannelId: z.string().min(1).max(64) }),
});

export const CalendarWatchStopped = defineEvent({
  type: 'CalendarWatchStopped',
  producer: 'google-ingest',
  category: 'calendarWatch',
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    calendarId: CalendarId,
    channelId: z.string().min(1).max(64),
    reason: z.enum(['renewed', 'account-disconnected', 'expired']),
  }),
});

export const CalendarSyncReset = defineEvent({
  type: 'CalendarSyncReset',
  producer: 'google-ingest',
  category: 'calendarWatch',
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    calendarId: CalendarId,
    /** Why the calendar was listed in full: never synced, Google expired the token, or the account came back after a disconnection (changes made meanwhile must be found). */
    reason: z.enum(['initial', 'sync-token-expired', 'account-reconnected']),
  }),
});

/** How a calendar event refers to one of our meetings, read from its conferenceData. */
export const ConferenceLink = z.strictObject({
  meetingId: MeetingId,
  conferenceId: z.string().min(1).max(256),
});

const EventIdentity = {
  userId: UserId,
  calendarId: CalendarId,
  eventId: CalendarEventId,
};

/**
 * An exception of a recurring series (one occurrence moved, retitled or cancelled): the series'
 * event id and the occurrence's original start, which names it even after it moved.
 */
const OccurrenceIdentity = {
  recurringEventId: CalendarEventId.optional(),
  originalStartTime: Instant.optional(),
};

/**
 * Only emitted for calendar events that carry our conference (or that a meeting of ours is
 * linked to): other events leave no trace. Streams: `calendarEvent-<userId>.<eventId>`.
 */
export const CalendarEventChanged = defineEvent({
  type: 'CalendarEventChanged',
  producer: 'google-ingest',
  category: 'calendarEvent',
  schemaVersion: 1,
  data: z.discriminatedUnion('change', [
    z
      .strictObject({
        change: z.enum(['created', 'updated']),
        ...EventIdentity,
        iCalUID: z.string().min(1).max(1024),
        /** Whether the watching user organises the event: only the owner's edits drive the meeting. */
        organizedByUser: z.boolean(),
        title: personal(z.string().max(1024)),
        start: Instant,
        end: Instant,
        timeZone: TimeZone,
        attendees: personal(z.array(Invitee).max(1000)),
        organizerEmail: personal(Email),
        conference: ConferenceLink.optional(),
        updatedAt: Instant,
        /** A recurring series: its rule (the start, end and time zone above are its first occurrence's). */
        recurrence: RecurrenceLines.optional(),
        ...OccurrenceIdentity,
      })
      // Calendar allows zero-length events, so end may equal start, but never precede it.
      .refine((value) => !(Date.parse(value.end) < Date.parse(value.start)), {
        message: 'must not be before start',
        path: ['end'],
      }),
    z.strictObject({
      change: z.literal('cancelled'),
      ...EventIdentity,
      conference: ConferenceLink.optional(),
      updatedAt: Instant.optional(),
      ...OccurrenceIdentity,
    }),
    /**
     * The event stays but no longer carries our conference (the user removed it): the meeting it
     * carried is no longer wanted. `conference` is the link the event carried until then.
     */
    z.strictObject({
      change: z.literal('conference-removed'),
      ...EventIdentity,
      conference: ConferenceLink,
      updatedAt: Instant,
    }),
  ]),
});
