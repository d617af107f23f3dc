import { z } from 'zod';
import { defineEvent } from '../define.js';
import { personal } from '../personal-data.js';
import {
  CalendarEventId,
  CalendarId,
  HttpsUrl,
  Instant,
  Invitee,
  MeetingId,
  TimeZone,
  UserId,
  WebexSiteUrl,
} from '../primitives.js';

const TITLE = z.string().min(1).max(128);

// An unparsable start or end already has its own issue; don't add a second, misleading one.
const endsAfterStart = (value: { start: string; end: string }) =>
  !(Date.parse(value.end) <= Date.parse(value.start));
const END_AFTER_START = { message: 'must be after start', path: ['end'] };

/** Streams: `meeting-<meetingId>`; the meeting key encrypts every personal field below. */
export const MeetingRequested = defineEvent({
  type: 'MeetingRequested',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z
    .strictObject({
      meetingId: MeetingId,
      userId: UserId,
      source: z.enum(['calendar', 'gmail', 'copy']),
      calendarId: CalendarId,
      eventId: CalendarEventId.optional(),
      gmailMessageId: z.string().min(1).max(256).optional(),
      copiedFromMeetingId: MeetingId.optional(),
      title: personal(TITLE),
      start: Instant,
      end: Instant,
      timeZone: TimeZone,
      invitees: personal(z.array(Invitee).max(1000)),
    })
    .refine(endsAfterStart, END_AFTER_START),
});

const CallInNumber = z.strictObject({
  label: z.string().max(256),
  callInNumber: z.string().max(64),
  tollType: z.enum(['toll', 'tollFree']),
});

export const MeetingScheduled = defineEvent({
  type: 'MeetingScheduled',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({
    meetingId: MeetingId,
    webexMeetingId: z.string().min(1).max(256),
    meetingNumber: z.string().regex(/^[0-9]{6,20}$/, { message: 'must be a Webex meeting number' }),
    siteUrl: WebexSiteUrl,
    webLink: HttpsUrl,
    sipAddress: z.string().max(256).optional(),
    password: personal(z.string().max(128)).optional(),
    telephony: z
      .strictObject({
        accessCode: z.string().max(64),
        callInNumbers: z.array(CallInNumber).max(50),
      })
      .optional(),
  }),
});

export const ConferenceAttached = defineEvent({
  type: 'ConferenceAttached',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({
    meetingId: MeetingId,
    calendarId: CalendarId,
    eventId: CalendarEventId,
    conferenceId: z.string().min(1).max(256),
  }),
});

export const MeetingUpdated = defineEvent({
  type: 'MeetingUpdated',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z
    .strictObject({
      meetingId: MeetingId,
      webexMeetingId: z.string().min(1).max(256),
      title: personal(TITLE),
      start: Instant,
      end: Instant,
      timeZone: TimeZone,
      invitees: personal(z.array(Invitee).max(1000)),
      changed: z.array(z.enum(['title', 'time', 'invitees'])).min(1),
    })
    .refine(endsAfterStart, END_AFTER_START),
});

export const MeetingCancelled = defineEvent({
  type: 'MeetingCancelled',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({
    meetingId: MeetingId,
    webexMeetingId: z.string().min(1).max(256).optional(),
    reason: z.enum(['event-deleted', 'event-cancelled', 'user-request', 'account-disconnected']),
  }),
});

export const MeetingSchedulingFailed = defineEvent({
  type: 'MeetingSchedulingFailed',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({
    meetingId: MeetingId,
    reason: z.enum([
      'webex-rejected',
      'reauthorization-required',
      'site-not-allowed',
      'event-not-found',
      'retries-exhausted',
    ]),
    /** Safe to show: never contains personal data or tokens. */
    message: z.string().max(1024),
    webexTrackingId: z.string().max(256).optional(),
    retryable: z.boolean(),
  }),
});

export const MeetingEnded = defineEvent({
  type: 'MeetingEnded',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({
    meetingId: MeetingId,
    endedAt: Instant,
    source: z.enum(['scheduled-end', 'webex-webhook']),
  }),
});

export const MeetingDataPurged = defineEvent({
  type: 'MeetingDataPurged',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({
    meetingId: MeetingId,
    purgedAt: Instant,
    retentionAfterEndSeconds: z.number().int().min(0),
  }),
});
