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
  RecurrenceLines,
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
      /** A recurring calendar series: its rule; start and end are its first occurrence's. */
      recurrence: RecurrenceLines.optional(),
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
      /** The series' rule now (absent: not recurring). */
      recurrence: RecurrenceLines.optional(),
      changed: z.array(z.enum(['title', 'time', 'invitees', 'recurrence'])).min(1),
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
    reason: z.enum([
      'event-deleted',
      'event-cancelled',
      'user-request',
      'account-disconnected',
      'conference-removed',
    ]),
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
      /** The series' rule is one Webex cannot repeat as Calendar does; nothing was sent to Webex. */
      'unsupported-recurrence',
    ]),
    /** Safe to show: never contains personal data or tokens. */
    message: z.string().max(1024),
    webexTrackingId: z.string().max(256).optional(),
    retryable: z.boolean(),
  }),
});

/**
 * The desired state of the meeting after a calendar change, recorded before Webex is called so
 * that a failed or deferred call loses nothing: the reconciler applies the newest one it finds.
 */
export const MeetingChangeRequested = defineEvent({
  type: 'MeetingChangeRequested',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z
    .strictObject({
      meetingId: MeetingId,
      title: personal(TITLE),
      start: Instant,
      end: Instant,
      timeZone: TimeZone,
      invitees: personal(z.array(Invitee).max(1000)),
      /** The series' rule (absent: not recurring). */
      recurrence: RecurrenceLines.optional(),
    })
    .refine(endsAfterStart, END_AFTER_START),
});

const OccurrenceShown = z
  .strictObject({ title: personal(TITLE), start: Instant, end: Instant })
  .refine(endsAfterStart, END_AFTER_START);

/**
 * One occurrence of a recurring series differs from its series in the calendar (an exception,
 * named by the occurrence's original start): moved or retitled (`shown`), cancelled, or back to
 * the series' own (neither). Recorded before Webex is called, like MeetingChangeRequested.
 */
export const MeetingOccurrenceChangeRequested = defineEvent({
  type: 'MeetingOccurrenceChangeRequested',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z
    .strictObject({
      meetingId: MeetingId,
      originalStart: Instant,
      cancelled: z.boolean(),
      shown: OccurrenceShown.optional(),
    })
    .refine((value) => !(value.cancelled && value.shown), {
      message: 'a cancelled occurrence shows nothing',
      path: ['shown'],
    }),
});

/**
 * What Webex now holds for one occurrence of the series: the series' occurrence as the series
 * says, patched (`shown`), or deleted; and the single meeting standing in for it, if any (an
 * occurrence moved off its day, or back after a delete), so that deleting the series deletes it too.
 */
export const MeetingOccurrenceApplied = defineEvent({
  type: 'MeetingOccurrenceApplied',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({
    meetingId: MeetingId,
    webexMeetingId: z.string().min(1).max(256),
    originalStart: Instant,
    occurrence: z.enum(['as-series', 'patched', 'deleted']),
    /** What the patched occurrence shows (only with `patched`). */
    shown: OccurrenceShown.optional(),
    single: z.strictObject({ webexMeetingId: z.string().min(1).max(256), shown: OccurrenceShown }).optional(),
  }),
});

/** The calendar event is gone: the Webex meeting is to be deleted (recorded before the DELETE). */
export const MeetingCancellationRequested = defineEvent({
  type: 'MeetingCancellationRequested',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({
    meetingId: MeetingId,
    reason: z.enum([
      'event-deleted',
      'event-cancelled',
      'user-request',
      'account-disconnected',
      'conference-removed',
    ]),
  }),
});

/**
 * The user asked to try a failed meeting again: it is `requested` once more and the Webex
 * meeting is created from its request (recorded before Webex is called, like every intent).
 */
export const MeetingRetryRequested = defineEvent({
  type: 'MeetingRetryRequested',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({ meetingId: MeetingId }),
});

/**
 * Webex could not be reached for a reason that passes (5xx, 429, timeout, network, open
 * circuit): the meeting is pending and is tried again at `nextAttemptAt`.
 */
export const MeetingSyncDeferred = defineEvent({
  type: 'MeetingSyncDeferred',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({
    meetingId: MeetingId,
    attempt: z.number().int().min(1),
    nextAttemptAt: Instant,
    reason: z.enum([
      'webex-unavailable',
      'webex-rate-limited',
      'webex-timeout',
      'webex-unreachable',
      'circuit-open',
    ]),
    /** Safe to show: never contains personal data or tokens. */
    message: z.string().max(1024),
  }),
});

/** The user's account cannot act in Webex until the user connects it again; then the meeting is applied. */
export const MeetingReconnectRequired = defineEvent({
  type: 'MeetingReconnectRequired',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({
    meetingId: MeetingId,
    account: z.enum(['webex']),
    /** Safe to show: never contains personal data or tokens. */
    message: z.string().max(1024),
  }),
});

/**
 * The periodic comparison with Webex found the meeting not as it was applied: changed there
 * (`changed` names the aspects; the calendar's state is applied again) or deleted there (it is
 * not re-created: someone removed it on purpose).
 */
export const MeetingDriftDetected = defineEvent({
  type: 'MeetingDriftDetected',
  producer: 'webex-bridge',
  category: 'meeting',
  schemaVersion: 1,
  data: z.strictObject({
    meetingId: MeetingId,
    webexMeetingId: z.string().min(1).max(256),
    found: z.enum(['changed', 'deleted']),
    changed: z.array(z.enum(['title', 'time', 'invitees'])).max(3),
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
