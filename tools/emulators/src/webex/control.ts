import express, { type Router } from 'express';
import { z } from 'zod';
import { ControlInputError, parseControl } from '../core/control-routes.js';
import {
  endMeeting,
  occurrenceTimes,
  renderMeetingSeries,
  startMeeting,
  type MeetingEvent,
} from './meetings.js';
import { ruleOccurrences } from './recurrence.js';
import { defaultScopes, type OAuthSettings } from './oauth.js';
import type { StoredMeeting, WebexState } from './state.js';
import { isIanaTimeZone } from './time-zones.js';
import type { WebhookDispatcher } from './webhooks.js';

const UserSeed = z.strictObject({
  email: z.email(),
  displayName: z.string().min(1).optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  timezone: z.string().optional(),
  sites: z.array(z.strictObject({ siteUrl: z.string().min(3), default: z.boolean().optional() })).optional(),
});

/** What someone changes in Webex's own interface (the host, or an administrator). */
const MeetingEdit = z.strictObject({
  title: z.string().min(1).max(128).optional(),
  start: z.iso.datetime({ offset: true }).optional(),
  end: z.iso.datetime({ offset: true }).optional(),
  timezone: z.string().optional(),
});

const ClientSeed = z.strictObject({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  redirectUris: z.array(z.url()).default([]),
});

const TokenIssue = z.strictObject({
  email: z.email(),
  clientId: z.string().optional(),
  scopes: z.array(z.string()).optional(),
});

const Revoke = z.strictObject({
  refreshToken: z.string().optional(),
  email: z.email().optional(),
  clientId: z.string().optional(),
});

export interface ControlDependencies {
  state: WebexState;
  webhooks: WebhookDispatcher;
  oauth: OAuthSettings;
  emit: (event: MeetingEvent, meeting: StoredMeeting) => void;
}

/**
 * The Webex half of the control API, mounted at /control/webex (clock, faults and the request
 * log are the shared /control routes). Documented in tools/emulators/README.md; not part of Webex.
 */
export function webexControlRoutes(dependencies: ControlDependencies): Router {
  const { state, webhooks, oauth, emit } = dependencies;
  const router = express.Router();
  const parse = parseControl;

  router.get('/users', (_request, response) => {
    response.json({ users: [...state.users.values()] });
  });
  router.post('/users', (request, response) => {
    const seed = parse(UserSeed, request.body);
    if (seed.timezone !== undefined && !isIanaTimeZone(seed.timezone))
      throw new ControlInputError(`timezone ${seed.timezone} is not an IANA time zone`);
    response.status(201).json(state.seedUser(seed));
  });
  router.post('/clients', (request, response) => {
    const client = parse(ClientSeed, request.body);
    state.clients.set(client.clientId, client);
    response.status(201).json(client);
  });

  router.post('/tokens', (request, response) => {
    const input = parse(TokenIssue, request.body);
    const user = state.userByEmail(input.email);
    const clientId = input.clientId ?? [...state.clients.keys()][0];
    if (!user || !clientId) throw new ControlInputError('seed the user and an OAuth client first');
    const issued = state.issueTokens(
      clientId,
      user.id,
      input.scopes ?? defaultScopes,
      oauth.accessTokenLifetimeMs,
      state.newRefreshToken(oauth.refreshTokenLifetimeMs),
    );
    const now = state.clock.nowMs();
    response.status(201).json({
      access_token: issued.access.token,
      expires_in: Math.round((issued.access.expiresAtMs - now) / 1000),
      refresh_token: issued.refresh.token,
      refresh_token_expires_in: Math.round((issued.refresh.expiresAtMs - now) / 1000),
      token_type: 'Bearer',
    });
  });
  // The user's next consents decline these scopes (an empty list grants all again).
  router.post('/consent/withhold-scopes', (request, response) => {
    const input = parse(z.strictObject({ email: z.email(), scopes: z.array(z.string()) }), request.body);
    const user = state.userByEmail(input.email);
    if (!user) throw new ControlInputError(`no Webex user ${input.email}`);
    if (input.scopes.length === 0) state.withheldScopes.delete(user.id);
    else state.withheldScopes.set(user.id, input.scopes);
    response.status(204).end();
  });
  router.post('/tokens/revoke', (request, response) => {
    const filter = parse(Revoke, request.body);
    const user = filter.email ? state.userByEmail(filter.email) : undefined;
    if (filter.email && !user) throw new ControlInputError(`no Webex user ${filter.email}`);
    const revoked = state.revokeRefreshTokens({
      ...(filter.refreshToken ? { refreshToken: filter.refreshToken } : {}),
      ...(user ? { userId: user.id } : {}),
      ...(filter.clientId ? { clientId: filter.clientId } : {}),
    });
    response.json({ revoked });
  });
  router.post('/tokens/expire-access', (request, response) => {
    const { email } = parse(z.strictObject({ email: z.email().optional() }), request.body);
    const user = email ? state.userByEmail(email) : undefined;
    let expired = 0;
    for (const token of state.tokens.values()) {
      if (
        token.kind !== 'access' ||
        (user && token.userId !== user.id) ||
        token.expiresAtMs <= state.clock.nowMs()
      )
        continue;
      token.expiresAtMs = state.clock.nowMs();
      expired++;
    }
    response.json({ expired });
  });

  router.get('/meetings', (request, response) => {
    const includeDeleted = request.query.includeDeleted === 'true';
    const items = [...state.meetings.values()]
      .filter((meeting) => includeDeleted || meeting.deletedAtMs === undefined)
      .map((meeting) => ({
        ...renderMeetingSeries(state, meeting, undefined),
        integrationTags: meeting.integrationTags,
        // The template a create named (GET /meetings does not show it): where and how it was created.
        templateId: meeting.templateId ?? null,
        invitees: state.invitees.get(meeting.id) ?? [],
        instanceId: meeting.instanceId ?? null,
        deleted: meeting.deletedAtMs !== undefined,
        recurrence: meeting.recurrence ?? null,
        exceptionCount: meeting.exceptions.size,
      }));
    response.json({ meetings: items });
  });
  // Every occurrence of a series per its rule (5 years ahead at most), deleted ones included,
  // with what changed on each: what a test checks after occurrence PATCHes and DELETEs.
  router.get('/meetings/:meetingId/occurrences', (request, response) => {
    const meeting = state.meetings.get(request.params.meetingId);
    if (!meeting) return response.status(404).json({ error: `no meeting ${request.params.meetingId}` });
    const occurrences = ruleOccurrences(meeting).map((occurrence) => {
      const exception = meeting.exceptions.get(occurrence.id);
      const { startMs, endMs } = occurrenceTimes(meeting, occurrence);
      return {
        id: occurrence.id,
        meetingSeriesId: meeting.id,
        originalStart: new Date(occurrence.originalStartMs).toISOString(),
        start: new Date(startMs).toISOString(),
        end: new Date(endMs).toISOString(),
        isModified: exception !== undefined,
        deleted: exception?.deleted ?? false,
        title: exception?.title ?? meeting.title,
      };
    });
    response.json({ meetingSeriesId: meeting.id, recurrence: meeting.recurrence ?? null, occurrences });
  });
  // Changes made in Webex itself, not through the API: the meeting as someone edited it there
  // (webhooks fire as for any change).
  router.patch('/meetings/:meetingId', (request, response) => {
    const meeting = state.meetings.get(request.params.meetingId);
    if (!meeting || meeting.deletedAtMs !== undefined)
      return response.status(404).json({ error: `no meeting ${request.params.meetingId}` });
    const edit = parse(MeetingEdit, request.body);
    if (edit.timezone !== undefined && !isIanaTimeZone(edit.timezone))
      throw new ControlInputError(`timezone ${edit.timezone} is not an IANA time zone`);
    const startMs = edit.start !== undefined ? Date.parse(edit.start) : meeting.startMs;
    const endMs = edit.end !== undefined ? Date.parse(edit.end) : meeting.endMs;
    if (endMs <= startMs) throw new ControlInputError('end must be after start');
    // As through the API: new times or a new zone cancel the series' changed occurrences.
    if (
      startMs !== meeting.startMs ||
      endMs !== meeting.endMs ||
      (edit.timezone !== undefined && edit.timezone !== meeting.timezone)
    )
      meeting.exceptions.clear();
    if (edit.title !== undefined) meeting.title = edit.title;
    if (edit.timezone !== undefined) meeting.timezone = edit.timezone;
    meeting.startMs = startMs;
    meeting.endMs = endMs;
    meeting.updatedAtMs = state.clock.nowMs();
    emit('updated', meeting);
    response.json(renderMeetingSeries(state, meeting, undefined));
  });
  router.delete('/meetings/:meetingId', (request, response) => {
    const meeting = state.meetings.get(request.params.meetingId);
    if (!meeting || meeting.deletedAtMs !== undefined)
      return response.status(404).json({ error: `no meeting ${request.params.meetingId}` });
    meeting.deletedAtMs = state.clock.nowMs();
    emit('deleted', meeting);
    response.status(204).end();
  });

  for (const action of ['start', 'end'] as const) {
    router.post(`/meetings/:meetingId/${action}`, (request, response) => {
      const meeting = state.meetings.get(request.params.meetingId);
      if (!meeting || meeting.deletedAtMs !== undefined)
        return response.status(404).json({ error: `no meeting ${request.params.meetingId}` });
      if (action === 'start') startMeeting(state, meeting, emit);
      else endMeeting(state, meeting, emit);
      response.json({ id: meeting.id, state: meeting.state, instanceId: meeting.instanceId });
    });
  }

  router.get('/webhook-deliveries', async (request, response) => {
    if (request.query.wait === 'true') await webhooks.idle();
    response.json({ deliveries: webhooks.deliveries });
  });

  router.post('/reset', (_request, response) => {
    state.reset();
    webhooks.deliveries.length = 0;
    response.status(204).end();
  });

  return router;
}
