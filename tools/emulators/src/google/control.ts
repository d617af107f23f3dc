import express, { type Router } from 'express';
import type { calendar_v3 } from 'googleapis';
import { z } from 'zod';
import { parseControl } from '../core/control-routes.js';
import type { OAuthAuthority } from './oauth.js';
import type { PushNotifier } from './push.js';
import type { GoogleWorld } from './world.js';

const EventTime = z.union([
  z.strictObject({ dateTime: z.iso.datetime({ offset: true }), timeZone: z.string().optional() }),
  z.strictObject({ date: z.iso.date() }),
]);
const Attendee = z.object({
  email: z.email(),
  displayName: z.string().optional(),
  responseStatus: z.string().optional(),
});

export const GoogleSeed = z.strictObject({
  clients: z
    .array(
      z.strictObject({
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        redirectUris: z.array(z.url()).optional(),
      }),
    )
    .default([]),
  tenants: z.array(z.strictObject({ domain: z.string().min(1) })).default([]),
  users: z
    .array(
      z.strictObject({
        email: z.email(),
        name: z.string().optional(),
        timeZone: z.string().optional(),
        /** The account's language, as Google names it in the ID token and userinfo (`locale`), e.g. "de". */
        locale: z.string().min(2).max(35).optional(),
        calendars: z
          .array(
            z.strictObject({
              id: z.string().optional(),
              summary: z.string(),
              timeZone: z.string().optional(),
            }),
          )
          .default([]),
        directory: z
          .strictObject({
            customSchemas: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
            /** A super administrator of the Workspace: may read the Directory's admin view. */
            isAdmin: z.boolean().optional(),
          })
          .optional(),
      }),
    )
    .default([]),
});
export type GoogleSeed = z.input<typeof GoogleSeed>;

const CreateEvent = z.strictObject({
  summary: z.string().default(''),
  description: z.string().optional(),
  start: EventTime,
  end: EventTime,
  attendees: z.array(Attendee).optional(),
  recurrence: z.array(z.string()).optional(),
  conferenceData: z.record(z.string(), z.unknown()).optional(),
  /** Who makes the change in the UI; defaults to the calendar's owner. */
  asUser: z.email().optional(),
});
const ChangeEvent = z.strictObject({
  summary: z.string().optional(),
  description: z.string().optional(),
  start: EventTime.optional(),
  end: EventTime.optional(),
  attendees: z.array(Attendee).optional(),
  /** A series' new rule lines, as editing the series in the Calendar UI writes them. */
  recurrence: z.array(z.string()).optional(),
  /** null removes the event's conference, as the Calendar UI's "remove conference" does. */
  conferenceData: z.null().optional(),
  asUser: z.email().optional(),
});
const Duplicate = z.strictObject({
  start: z.iso.datetime({ offset: true }),
  calendarId: z.string().optional(),
});
const CancelInstance = z.strictObject({ originalStartTime: z.iso.datetime({ offset: true }) });
const Move = z.strictObject({ calendarId: z.string() });
const Split = z.strictObject({
  /** The occurrence (as the rule placed it) from which on the changes apply. */
  originalStartTime: z.iso.datetime({ offset: true }),
  changes: z
    .strictObject({
      summary: z.string().optional(),
      description: z.string().optional(),
      start: EventTime.optional(),
      end: EventTime.optional(),
      attendees: z.array(Attendee).optional(),
      recurrence: z.array(z.string()).optional(),
    })
    .default({}),
});
const Share = z.strictObject({
  email: z.email(),
  role: z.enum(['reader', 'writer', 'owner']).default('writer'),
});
const RevokeTokens = z.strictObject({ email: z.email().optional(), refreshToken: z.string().optional() });
const ExpireTokens = z.strictObject({ email: z.email().optional() });
const DropNotifications = z.strictObject({ count: z.number().int().min(1) });
const IdTokenRequest = z.strictObject({
  email: z.email(),
  audience: z.string().min(1),
  nonce: z.string().optional(),
});
const AuthorizeRequest = z.strictObject({
  clientId: z.string(),
  email: z.email(),
  scopes: z.array(z.string()).min(1),
  redirectUri: z.string(),
  offline: z.boolean().default(true),
  codeChallenge: z.string().optional(),
  codeChallengeMethod: z.enum(['S256', 'plain']).optional(),
});
const WithholdScopes = z.strictObject({ email: z.email(), scopes: z.array(z.string()) });

export interface ControlParts {
  world: GoogleWorld;
  oauth: OAuthAuthority;
  push: PushNotifier;
}

/** Applies a seed document: OAuth clients, tenants, users with calendars and directory entries. */
export function applyGoogleSeed(parts: ControlParts, input: GoogleSeed) {
  const seed = GoogleSeed.parse(input);
  for (const client of seed.clients) parts.oauth.addClient(client);
  for (const tenant of seed.tenants) parts.world.addDomain(tenant.domain);
  const users = seed.users.map((entry) => {
    const user = parts.world.addUser({
      email: entry.email,
      ...(entry.name ? { name: entry.name } : {}),
      ...(entry.timeZone ? { timeZone: entry.timeZone } : {}),
      ...(entry.locale ? { locale: entry.locale } : {}),
      ...(entry.directory?.customSchemas ? { customSchemas: entry.directory.customSchemas } : {}),
      ...(entry.directory?.isAdmin !== undefined ? { isAdmin: entry.directory.isAdmin } : {}),
    });
    const calendars = [user.email];
    for (const calendar of entry.calendars)
      calendars.push(
        parts.world.addCalendar({
          ownerEmail: user.email,
          summary: calendar.summary,
          ...(calendar.id ? { id: calendar.id } : {}),
          ...(calendar.timeZone ? { timeZone: calendar.timeZone } : {}),
        }).id,
      );
    return { email: user.email, sub: user.sub, calendars };
  });
  return { users };
}

/**
 * Google-specific control routes (mounted under /control/google): seeding, acting as a user in
 * the Calendar UI, and Google-only faults (sync tokens, refresh tokens, dropped notifications).
 */
export function googleControlRoutes(parts: ControlParts): Router {
  const { world, oauth, push } = parts;
  const router = express.Router();
  const calendarOf = (id: unknown) => world.calendarById(String(id));

  router.post('/seed', (request, response) => {
    response.status(201).json(applyGoogleSeed(parts, parseControl(GoogleSeed, request.body)));
  });

  router.get('/calendars/:calendarId/events', (request, response) => {
    const calendar = calendarOf(request.params.calendarId);
    response.json({ items: [...calendar.events.values()].map((stored) => stored.resource) });
  });

  router.post('/calendars/:calendarId/events', (request, response) => {
    const body = parseControl(CreateEvent, request.body);
    const calendar = calendarOf(request.params.calendarId);
    const { asUser, conferenceData, ...event } = body;
    const input: calendar_v3.Schema$Event = { ...event, ...(conferenceData ? { conferenceData } : {}) };
    response
      .status(201)
      .json(world.insertEvent(calendar, input, asUser ?? calendar.ownerEmail, conferenceData !== undefined));
  });

  router.patch('/calendars/:calendarId/events/:eventId', (request, response) => {
    const { asUser: _asUser, conferenceData, ...changes } = parseControl(ChangeEvent, request.body);
    const calendar = calendarOf(request.params.calendarId);
    // changeEvent reads a null conferenceData (with conference data on) as "remove it".
    const removesConference = conferenceData === null;
    const input = (
      removesConference ? { ...changes, conferenceData: null } : changes
    ) as calendar_v3.Schema$Event;
    response.json(
      world.changeEvent(calendar, String(request.params.eventId), input, 'patch', removesConference),
    );
  });

  router.delete('/calendars/:calendarId/events/:eventId', (request, response) => {
    world.deleteEvent(calendarOf(request.params.calendarId), String(request.params.eventId));
    response.status(204).end();
  });

  router.post('/calendars/:calendarId/events/:eventId/duplicate', (request, response) => {
    const body = parseControl(Duplicate, request.body);
    const calendar = calendarOf(request.params.calendarId);
    response
      .status(201)
      .json(world.duplicateEvent(calendar, String(request.params.eventId), body.start, body.calendarId));
  });

  router.post('/calendars/:calendarId/events/:eventId/cancel-instance', (request, response) => {
    const body = parseControl(CancelInstance, request.body);
    const calendar = calendarOf(request.params.calendarId);
    response.json(world.cancelInstance(calendar, String(request.params.eventId), body.originalStartTime));
  });

  // "This and following events" in the Calendar UI: the series ends before the occurrence and a
  // new series (new id) starts there with the changes.
  router.post('/calendars/:calendarId/events/:eventId/split', (request, response) => {
    const body = parseControl(Split, request.body);
    const calendar = calendarOf(request.params.calendarId);
    response
      .status(201)
      .json(
        world.splitSeries(calendar, String(request.params.eventId), body.originalStartTime, body.changes),
      );
  });

  router.post('/calendars/:calendarId/events/:eventId/move', (request, response) => {
    const body = parseControl(Move, request.body);
    const calendar = calendarOf(request.params.calendarId);
    response.json(world.moveEvent(calendar, String(request.params.eventId), body.calendarId));
  });

  router.post('/calendars/:calendarId/share', (request, response) => {
    const body = parseControl(Share, request.body);
    world.share(String(request.params.calendarId), body.email, body.role);
    response.status(204).end();
  });

  router.post('/calendars/:calendarId/invalidate-sync-tokens', (request, response) => {
    world.invalidateSyncTokens(String(request.params.calendarId));
    response.status(204).end();
  });

  router.post('/refresh-tokens/revoke', (request, response) => {
    const body = parseControl(RevokeTokens, request.body);
    response.json({ revoked: oauth.revokeRefreshTokens(body) });
  });

  router.post('/refresh-tokens/expire', (request, response) => {
    const body = parseControl(ExpireTokens, request.body);
    response.json({ expired: oauth.expireRefreshTokens(body, world.now()) });
  });

  router.post('/authorize', (request, response) => {
    const body = parseControl(AuthorizeRequest, request.body);
    const code = oauth.authorize({
      clientId: body.clientId,
      redirectUri: body.redirectUri,
      scope: body.scopes.join(' '),
      loginHint: body.email,
      ...(body.offline ? { accessType: 'offline' } : {}),
      ...(body.codeChallenge !== undefined ? { codeChallenge: body.codeChallenge } : {}),
      ...(body.codeChallengeMethod !== undefined ? { codeChallengeMethod: body.codeChallengeMethod } : {}),
    });
    response.json({ code });
  });

  // The user's next consents leave these scopes unticked (Google's granular consent).
  router.post('/consent/withhold-scopes', (request, response) => {
    const body = parseControl(WithholdScopes, request.body);
    oauth.withholdScopes(body.email, body.scopes);
    response.status(204).end();
  });

  router.post('/id-token', async (request, response) => {
    const body = parseControl(IdTokenRequest, request.body);
    response.json({ idToken: await oauth.idToken(body.audience, body.email, body.nonce) });
  });

  router.post('/notifications/drop', (request, response) => {
    push.dropNext(parseControl(DropNotifications, request.body).count);
    response.status(204).end();
  });

  router.get('/notifications', (request, response) => {
    const channelId = typeof request.query.channelId === 'string' ? request.query.channelId : undefined;
    response.json({ notifications: push.listNotifications(channelId ? { channelId } : {}) });
  });

  router.delete('/notifications', (_request, response) => {
    push.clearNotifications();
    response.status(204).end();
  });

  router.get('/channels', (_request, response) => {
    response.json({ channels: push.listChannels() });
  });

  return router;
}
