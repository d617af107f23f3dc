import { z } from 'zod';
import { defineCommand } from '../define.js';
import { personal } from '../personal-data.js';
import { ConferenceAttached, MeetingDataPurged, MeetingEnded, MeetingRequested } from './meeting.js';
import {
  CalendarEventId,
  CalendarId,
  Email,
  GmailMessageId,
  GmailMessageToken,
  Instant,
  Invitee,
  Locale,
  MeetingTemplateId,
  MeetingId,
  RecurrenceLines,
  TenantId,
  TimeZone,
  UserId,
  WebexSiteUrl,
} from '../primitives.js';

const AuthorizationCodeExchange = z.strictObject({
  tenantId: TenantId,
  /** The user the gateway authenticated (Google subject); absent on first Google sign-in. */
  userId: UserId.optional(),
  code: z.string().min(1).max(2048),
  redirectUri: z.url(),
  /** PKCE (RFC 7636): the verifier whose S256 challenge the gateway sent with the authorization request. */
  codeVerifier: z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/),
  correlationId: z.string().min(1).max(128),
});

const AccountConnection = z.strictObject({
  userId: UserId,
  connected: z.literal(true),
  /** Scopes the product needs that the user did not grant: the account then needs a reconnect. */
  missingScopes: z.array(z.string().min(1).max(256)).max(32).optional(),
});

/**
 * A connection refused for a reason the user can act on; nothing is stored. Other failures (the
 * provider unreachable, a bad request) fail the command instead.
 * - `authorization-code-rejected`: the provider refused the code (used, expired, or a wrong PKCE verifier);
 * - `user-mismatch`: another Google account consented than the signed-in one;
 * - `email-mismatch`: the Webex account's email is not the user's Google email;
 * - `another-webex-account`: the user already has a different Webex account connected;
 * - `webex-account-in-use`: this Webex account is connected to another user.
 */
const ConnectionRefused = z.strictObject({
  connected: z.literal(false),
  refused: z.enum([
    'authorization-code-rejected',
    'user-mismatch',
    'email-mismatch',
    'another-webex-account',
    'webex-account-in-use',
  ]),
});

const ConnectionOutcome = z.discriminatedUnion('connected', [AccountConnection, ConnectionRefused]);

/** The gateway hands OAuth codes to the service that owns those tokens (least privilege). */
export const ExchangeGoogleAuthorizationCode = defineCommand({
  name: 'ExchangeGoogleAuthorizationCode',
  service: 'google-ingest',
  action: 'exchange-authorization-code',
  sentBy: ['gateway'],
  schemaVersion: 1,
  request: AuthorizationCodeExchange,
  response: ConnectionOutcome,
});

export const ExchangeWebexAuthorizationCode = defineCommand({
  name: 'ExchangeWebexAuthorizationCode',
  service: 'webex-bridge',
  action: 'exchange-authorization-code',
  sentBy: ['gateway'],
  schemaVersion: 1,
  request: AuthorizationCodeExchange.extend({
    userId: UserId,
    /** The signed-in user's Google email (from the verified ID token): the Webex account must be theirs. */
    googleEmail: personal(Email),
  }),
  response: ConnectionOutcome,
});

const CalendarEventDetails = z.strictObject({
  /** The calendar's canonical id: `primary` is answered as the owner's email, so one event has one id. */
  calendarId: CalendarId,
  title: personal(z.string().max(1024)),
  start: Instant,
  end: Instant,
  timeZone: TimeZone,
  invitees: personal(z.array(Invitee).max(1000)),
  organizerEmail: personal(Email),
  organizedByUser: z.boolean(),
  /** A recurring series' rule; the times above are its first occurrence's. */
  recurrence: RecurrenceLines.optional(),
});

/**
 * The gateway asks google-ingest (which holds the Google tokens) for the details of the
 * event a user adds a meeting to. `account-unavailable`: no usable Google connection.
 */
export const ReadCalendarEvent = defineCommand({
  name: 'ReadCalendarEvent',
  service: 'google-ingest',
  action: 'read-calendar-event',
  sentBy: ['gateway'],
  schemaVersion: 1,
  request: z.strictObject({
    tenantId: TenantId,
    userId: UserId,
    calendarId: CalendarId,
    eventId: CalendarEventId,
  }),
  response: z.discriminatedUnion('outcome', [
    z.strictObject({ outcome: z.literal('found'), event: CalendarEventDetails }),
    z.strictObject({ outcome: z.literal('not-found'), reason: z.enum(['unknown', 'cancelled', 'no-times']) }),
    z.strictObject({ outcome: z.literal('account-unavailable') }),
  ]),
});

/**
 * Where a command's events come from, so that what the meeting's writer appends keeps the
 * caller's correlation id and trace, and names the event or request that caused it.
 */
const CommandTrace = z.strictObject({
  correlationId: z.string().min(1).max(128),
  causationId: z.string().min(1).max(128).nullable(),
  traceparent: z.string().min(1).max(128).nullable(),
});

const MeetingCommand = <Data extends z.ZodType>(data: Data) =>
  z.strictObject({ tenantId: TenantId, trace: CommandTrace, data });

/** The event store position of the last event appended, "commit/prepare". */
const Position = z.string().regex(/^\d+\/\d+$/);

// The meeting stream has one writer, webex-bridge; the other services ask it to record facts.

/**
 * The gateway records a user's intent. `already-requested`: the meeting's stream exists
 * already (another request with the same meeting id went first).
 */
export const RequestMeeting = defineCommand({
  name: 'RequestMeeting',
  service: 'webex-bridge',
  action: 'request-meeting',
  sentBy: ['gateway'],
  schemaVersion: 1,
  request: MeetingCommand(MeetingRequested.data),
  response: z.discriminatedUnion('outcome', [
    z.strictObject({ outcome: z.literal('requested'), position: Position }),
    z.strictObject({ outcome: z.literal('already-requested') }),
  ]),
});

/** google-ingest wrote our conference into the calendar event. */
export const RecordConferenceAttached = defineCommand({
  name: 'RecordConferenceAttached',
  service: 'webex-bridge',
  action: 'record-conference-attached',
  sentBy: ['google-ingest'],
  schemaVersion: 1,
  request: MeetingCommand(ConferenceAttached.data),
  response: z.strictObject({ outcome: z.enum(['recorded', 'already-recorded', 'meeting-gone']) }),
});

/** retention: the meeting's end time has come. */
export const EndMeeting = defineCommand({
  name: 'EndMeeting',
  service: 'webex-bridge',
  action: 'end-meeting',
  sentBy: ['retention'],
  schemaVersion: 1,
  request: MeetingCommand(MeetingEnded.data),
  response: z.strictObject({ outcome: z.enum(['recorded', 'already-recorded', 'meeting-gone']) }),
});

/** retention destroyed the meeting's key: its personal data is gone. */
export const RecordMeetingDataPurged = defineCommand({
  name: 'RecordMeetingDataPurged',
  service: 'webex-bridge',
  action: 'record-meeting-data-purged',
  sentBy: ['retention'],
  schemaVersion: 1,
  request: MeetingCommand(MeetingDataPurged.data),
  response: z.strictObject({ outcome: z.enum(['recorded', 'already-recorded', 'meeting-gone']) }),
});

// The user's meeting preferences: webex-bridge holds the Webex tokens, so it lists what the
// user's Webex account offers and checks a choice against it.

/** The Webex sites and meeting templates a user can choose from. */
const MeetingOptions = z.strictObject({
  sites: z.array(z.strictObject({ siteUrl: WebexSiteUrl, default: z.boolean() })).max(100),
  templates: z
    .array(
      z.strictObject({
        id: MeetingTemplateId,
        name: z.string().max(256),
        siteUrl: WebexSiteUrl,
        isDefault: z.boolean(),
      }),
    )
    .max(1000),
});

/**
 * Why the options or a choice could not be checked: `account-unavailable` (Webex is not
 * connected, or must be connected again), `webex-unavailable` (Webex did not answer in time).
 */
const WebexNotReachable = [
  z.strictObject({ outcome: z.literal('account-unavailable') }),
  z.strictObject({ outcome: z.literal('webex-unavailable') }),
] as const;

/** The gateway asks which sites and meeting templates the user's Webex account offers. */
export const ListMeetingOptions = defineCommand({
  name: 'ListMeetingOptions',
  service: 'webex-bridge',
  action: 'list-meeting-options',
  sentBy: ['gateway'],
  schemaVersion: 1,
  request: z.strictObject({ tenantId: TenantId, userId: UserId }),
  response: z.discriminatedUnion('outcome', [
    MeetingOptions.extend({ outcome: z.literal('listed') }),
    ...WebexNotReachable,
  ]),
});

/** The user's preferences as they stand; an absent field has no preference. */
export const MeetingPreferences = z.strictObject({
  siteUrl: WebexSiteUrl.optional(),
  meetingTemplateId: MeetingTemplateId.optional(),
  language: Locale.optional(),
});

/**
 * The user changes their meeting preferences (the gateway's PUT /v1/me/preferences): a field
 * given replaces the preference, `null` removes it, an absent one keeps it. webex-bridge checks
 * a site and template against the user's Webex account and records MeetingPreferencesChanged.
 * `refused`: the account has no such site, or the site no such template.
 */
export const ChangeMeetingPreferences = defineCommand({
  name: 'ChangeMeetingPreferences',
  service: 'webex-bridge',
  action: 'change-meeting-preferences',
  sentBy: ['gateway'],
  schemaVersion: 1,
  request: z.strictObject({
    tenantId: TenantId,
    userId: UserId,
    correlationId: z.string().min(1).max(128),
    siteUrl: WebexSiteUrl.nullable().optional(),
    meetingTemplateId: MeetingTemplateId.nullable().optional(),
    language: Locale.max(35).nullable().optional(),
  }),
  response: z.discriminatedUnion('outcome', [
    z.strictObject({ outcome: z.literal('changed'), position: Position, preferences: MeetingPreferences }),
    z.strictObject({ outcome: z.literal('unchanged'), preferences: MeetingPreferences }),
    z.strictObject({
      outcome: z.literal('refused'),
      field: z.enum(['siteUrl', 'meetingTemplateId']),
      reason: z.enum(['unknown-site', 'unknown-template']),
    }),
    ...WebexNotReachable,
  ]),
});

/** A user's own meeting, named by the gateway for the user it authenticated. */
const UsersMeeting = z.strictObject({ meetingId: MeetingId, userId: UserId });

/**
 * The gateway: the user cancels the meeting. Recorded as the desired state
 * (MeetingCancellationRequested{user-request}); the reconcile deletes the Webex meeting and
 * google-ingest takes our conference off the calendar event, which stays.
 * `already-recorded`: cancelled, or its cancellation requested, before. `not-found`: no such
 * meeting, or another user's (the caller learns nothing about it).
 */
export const CancelMeeting = defineCommand({
  name: 'CancelMeeting',
  service: 'webex-bridge',
  action: 'cancel-meeting',
  sentBy: ['gateway'],
  schemaVersion: 1,
  request: MeetingCommand(UsersMeeting),
  response: z.discriminatedUnion('outcome', [
    z.strictObject({ outcome: z.literal('recorded'), position: Position }),
    z.strictObject({ outcome: z.literal('already-recorded') }),
    z.strictObject({ outcome: z.literal('finished'), status: z.enum(['ended', 'purged']) }),
    z.strictObject({ outcome: z.literal('not-found') }),
  ]),
});

/**
 * The gateway: the user tries a failed meeting again (MeetingRetryRequested); the reconcile
 * creates it in Webex from its request. `not-failed`: only a failed meeting can be retried.
 */
export const RetryMeeting = defineCommand({
  name: 'RetryMeeting',
  service: 'webex-bridge',
  action: 'retry-meeting',
  sentBy: ['gateway'],
  schemaVersion: 1,
  request: MeetingCommand(UsersMeeting),
  response: z.discriminatedUnion('outcome', [
    z.strictObject({ outcome: z.literal('recorded'), position: Position }),
    z.strictObject({
      outcome: z.literal('not-failed'),
      status: z.enum(['requested', 'scheduled', 'cancelled', 'ended', 'purged']),
    }),
    z.strictObject({ outcome: z.literal('not-found') }),
  ]),
});

/**
 * The gateway asks google-ingest (which holds the Google tokens) to put a Gmail message on the
 * user's primary calendar: the message's metadata only (subject, sender, recipients; never the
 * body) read with the add-on's per-message token, an event with a deterministic id
 * (user, message, start, end) so a repeat finds the same event instead of making a second.
 * `message-token-rejected`: the token is not for this message (or not for this user);
 * `account-unavailable`: no usable Google connection, or one without consent to Gmail;
 * `google-unavailable`: Google could not be reached.
 */
export const CreateCalendarEventFromMessage = defineCommand({
  name: 'CreateCalendarEventFromMessage',
  service: 'google-ingest',
  action: 'create-calendar-event-from-message',
  sentBy: ['gateway'],
  schemaVersion: 1,
  request: z
    .strictObject({
      tenantId: TenantId,
      userId: UserId,
      messageId: GmailMessageId,
      /** The add-on's per-message access token (X-Goog-Gmail-Access-Token). A secret: never stored or logged. */
      messageToken: GmailMessageToken,
      start: Instant,
      end: Instant,
      /** Unset: the user's Calendar time zone. */
      timeZone: TimeZone.optional(),
      correlationId: z.string().min(1).max(128),
    })
    .refine((value) => !(Date.parse(value.end) <= Date.parse(value.start)), {
      message: 'must be after start',
      path: ['end'],
    }),
  response: z.discriminatedUnion('outcome', [
    z.strictObject({
      outcome: z.literal('created'),
      eventId: CalendarEventId,
      /** The event existed already (a repeat of the same message and times): nothing was inserted. */
      alreadyExisted: z.boolean(),
      event: CalendarEventDetails,
    }),
    z.strictObject({ outcome: z.literal('message-not-found') }),
    /** The event made earlier for this message and these times was deleted since: its id is spent. */
    z.strictObject({ outcome: z.literal('event-deleted') }),
    z.strictObject({ outcome: z.literal('message-token-rejected') }),
    z.strictObject({ outcome: z.literal('account-unavailable') }),
    z.strictObject({ outcome: z.literal('google-unavailable') }),
  ]),
});
