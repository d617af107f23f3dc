import { z } from 'zod';
import { defineCommand } from '../define.js';
import { personal } from '../personal-data.js';
import {
  CalendarEventId,
  CalendarId,
  Email,
  Instant,
  Invitee,
  TenantId,
  TimeZone,
  UserId,
} from '../primitives.js';

const AuthorizationCodeExchange = z.strictObject({
  tenantId: TenantId,
  /** The user the gateway authenticated (Google subject); absent on first Google sign-in. */
  userId: UserId.optional(),
  code: z.string().min(1).max(2048),
  redirectUri: z.url(),
  correlationId: z.string().min(1).max(128),
});

const AccountConnection = z.strictObject({
  userId: UserId,
  connected: z.literal(true),
});

/** The gateway hands OAuth codes to the service that owns those tokens (least privilege). */
export const ExchangeGoogleAuthorizationCode = defineCommand({
  name: 'ExchangeGoogleAuthorizationCode',
  service: 'google-ingest',
  action: 'exchange-authorization-code',
  schemaVersion: 1,
  request: AuthorizationCodeExchange,
  response: AccountConnection,
});

export const ExchangeWebexAuthorizationCode = defineCommand({
  name: 'ExchangeWebexAuthorizationCode',
  service: 'webex-bridge',
  action: 'exchange-authorization-code',
  schemaVersion: 1,
  request: AuthorizationCodeExchange.extend({ userId: UserId }),
  response: AccountConnection,
});

const CalendarEventDetails = z.strictObject({
  title: personal(z.string().max(1024)),
  start: Instant,
  end: Instant,
  timeZone: TimeZone,
  invitees: personal(z.array(Invitee).max(1000)),
  organizerEmail: personal(Email),
  organizedByUser: z.boolean(),
});

/**
 * The gateway asks google-ingest (which holds the Google tokens) for the details of the
 * event a user adds a meeting to. `account-unavailable`: no usable Google connection.
 */
export const ReadCalendarEvent = defineCommand({
  name: 'ReadCalendarEvent',
  service: 'google-ingest',
  action: 'read-calendar-event',
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
