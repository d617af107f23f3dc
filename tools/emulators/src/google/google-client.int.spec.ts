// The production Google clients (@scheduler/google) against this emulator. The test lives with
// the emulator because a library never depends on a tool.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Client } from 'google-auth-library';
import { SignJWT, generateKeyPair, decodeProtectedHeader } from 'jose';
import {
  GoogleApiError,
  GoogleCalendarClient,
  GoogleDirectoryClient,
  GoogleGmailClient,
  GoogleOAuth,
  IdTokenRejected,
  ReauthorizationRequired,
  SyncTokenExpired,
  googleEndpoints,
  type GoogleTokens,
} from '@scheduler/google';
import { EmulatorControl } from '../core/control-client.js';
import { createGoogleEmulator, type GoogleEmulator } from './index.js';

const clientId = 'scheduler-test.apps.googleusercontent.com';
const clientSecret = 'test-secret';
const redirectUri = 'http://127.0.0.1/oauth/google/callback';
const alice = 'alice@demo.example';
const bob = 'bob@demo.example';
const scopes = [
  'openid',
  'email',
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
];
const conference = {
  conferenceSolution: { key: { type: 'addOn' }, name: 'Webex', iconUri: 'https://example.com/webex.png' },
  conferenceId: '2551234567',
  entryPoints: [
    {
      entryPointType: 'video',
      uri: 'https://acme.webex.com/acme/j.php?MTID=m1',
      label: 'acme.webex.com',
      meetingCode: '2551234567',
    },
    { entryPointType: 'sip', uri: 'sip:2551234567@acme.webex.com', label: '2551234567@acme.webex.com' },
    {
      entryPointType: 'phone',
      uri: 'tel:+1-415-655-0001',
      label: '+1-415-655-0001',
      accessCode: '2551234567',
    },
  ],
  notes: 'Join the Webex meeting',
  parameters: { addOnParameters: { parameters: { meetingId: 'meeting-123', scheduler: 'v1' } } },
};

let emulator: GoogleEmulator;
let oauth: GoogleOAuth;

async function control(path: string, body?: unknown, method?: string) {
  return new EmulatorControl(emulator.url).request(path, body, method);
}

const calendarPath = (calendarId: string) => `/google/calendars/${encodeURIComponent(calendarId)}`;

async function createEvent(summary: string, startIso: string, extra: Record<string, unknown> = {}) {
  const end = new Date(Date.parse(startIso) + 30 * 60_000).toISOString();
  return (await control(`${calendarPath(alice)}/events`, {
    summary,
    start: { dateTime: startIso, timeZone: 'Europe/Berlin' },
    end: { dateTime: end, timeZone: 'Europe/Berlin' },
    ...extra,
  })) as { id: string; iCalUID: string };
}

/** Consents through the emulator's authorization endpoint and exchanges the code, like the gateway does. */
async function connect(email: string, extraScopes: readonly string[] = []): Promise<GoogleTokens> {
  const url = oauth.authorizationUrl({
    scopes: [...scopes, ...extraScopes],
    state: 'state-123',
    loginHint: email,
  });
  const consent = await fetch(url, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const location = new URL(consent.headers.get('location')!);
  expect(location.searchParams.get('state')).toBe('state-123');
  return oauth.exchangeCode(location.searchParams.get('code')!);
}

function clients(tokens: GoogleTokens, persisted: GoogleTokens[] = [], resilience = {}) {
  const auth = oauth.clientFor({
    refreshToken: tokens.refreshToken!,
    accessToken: tokens.accessToken,
    expiresAt: tokens.expiresAt,
    onTokens: (fresh) => {
      persisted.push(fresh);
    },
  });
  const options = { auth, account: alice, resilience: { baseDelayMs: 20, ...resilience } };
  return {
    calendar: new GoogleCalendarClient({ ...options, rootUrl: emulator.endpoints.calendarRootUrl }),
    directory: new GoogleDirectoryClient({ ...options, rootUrl: emulator.endpoints.directoryRootUrl }),
    gmail: new GoogleGmailClient({ ...options, rootUrl: emulator.endpoints.gmailRootUrl }),
    auth,
  };
}

const requestsTo = async (pathPrefix: string, method?: string) => {
  const query = new URLSearchParams({ pathPrefix, ...(method ? { method } : {}) });
  return ((await control(`/requests?${query}`)) as { requests: unknown[] }).requests.length;
};

beforeAll(async () => {
  emulator = await createGoogleEmulator({ push: { retryBaseDelayMs: 50 } });
  await emulator.listen();
  emulator.seed({
    clients: [{ clientId, clientSecret }],
    tenants: [{ domain: 'demo.example' }],
    users: [
      {
        email: alice,
        name: 'Alice Example',
        timeZone: 'Europe/Berlin',
        directory: { customSchemas: { Webex: { SiteUrl: 'https://acme.webex.com' } } },
      },
      { email: bob, name: 'Bob Example' },
    ],
  });
  oauth = new GoogleOAuth({
    clientId,
    clientSecret,
    redirectUri,
    endpoints: emulator.endpoints,
  });
});

afterAll(async () => {
  await emulator.close();
});

afterEach(async () => {
  await control('/faults', undefined, 'DELETE');
});

describe('endpoints', () => {
  it('serves each Google API where a service given GOOGLE_API_BASE_URL looks for it', () => {
    const { userinfoUrl: _userinfo, ...clientEndpoints } = emulator.endpoints;
    expect(googleEndpoints(emulator.url)).toEqual(clientEndpoints);
  });
});

describe('OAuth and ID tokens', () => {
  it('exchanges a consented code for tokens whose ID token OAuth2Client.verifyIdToken accepts', async () => {
    const tokens = await connect(alice);
    expect(tokens.refreshToken).toBeDefined();
    expect(tokens.scopes).toEqual(expect.arrayContaining(scopes));
    // The real library, pointed at the emulator's certificate endpoint.
    const verifier = new OAuth2Client({ clientId, endpoints: emulator.endpoints });
    const ticket = await verifier.verifyIdToken({ idToken: tokens.idToken!, audience: clientId });
    expect(ticket.getPayload()).toMatchObject({
      iss: 'https://accounts.google.com',
      aud: clientId,
      email: alice,
      hd: 'demo.example',
    });
    expect(decodeProtectedHeader(tokens.idToken!)).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    const identity = await oauth.verifyIdToken(tokens.idToken!, { allowedDomains: ['demo.example'] });
    expect(identity.email).toBe(alice);
    await expect(
      oauth.verifyIdToken(tokens.idToken!, { allowedDomains: ['other.example'] }),
    ).rejects.toBeInstanceOf(IdTokenRejected);
    await expect(oauth.verifyIdToken(tokens.idToken!, { audience: 'someone-else' })).rejects.toBeInstanceOf(
      IdTokenRejected,
    );
  });

  it('rejects a forged ID token that reuses the emulator key id', async () => {
    const tokens = await connect(alice);
    const { kid } = decodeProtectedHeader(tokens.idToken!);
    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ email: alice, hd: 'demo.example' })
      .setProtectedHeader({ alg: 'RS256', kid: kid! })
      .setIssuer('https://accounts.google.com')
      .setAudience(clientId)
      .setSubject('1')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    const verifier = new OAuth2Client({ clientId, endpoints: emulator.endpoints });
    await expect(verifier.verifyIdToken({ idToken: forged, audience: clientId })).rejects.toThrow(
      /Invalid token signature/,
    );
    await expect(oauth.verifyIdToken(forged)).rejects.toBeInstanceOf(IdTokenRejected);
  });

  it('refreshes an access token that expired on the emulator clock once, persists it, and the call succeeds', async () => {
    const persisted: GoogleTokens[] = [];
    const { calendar } = clients(await connect(alice), persisted);
    await control('/requests', undefined, 'DELETE');
    await control('/clock/advance', { seconds: 3_700 });
    expect(await calendar.timeZone()).toBe('Europe/Berlin');
    expect(await requestsTo('/token')).toBe(1);
    expect(await requestsTo('/calendar/v3/users/me/settings')).toBe(2); // the 401, then the retry
    expect(persisted).toHaveLength(1);
    expect(persisted[0]!.accessToken).toMatch(/^ya29\./);
  });

  it('turns invalid_grant from a revoked refresh token into ReauthorizationRequired', async () => {
    const { calendar } = clients(await connect(alice));
    await control('/google/refresh-tokens/revoke', { email: alice });
    await control('/clock/advance', { seconds: 3_700 });
    const error = await calendar.timeZone().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect(error).toMatchObject({ account: alice, oauthError: 'invalid_grant' });
  });
});

describe('resilience', () => {
  it('waits at least Retry-After after a 429, then succeeds', async () => {
    const { calendar } = clients(await connect(alice));
    await control('/faults', {
      pathPrefix: '/calendar/v3/users/me/settings',
      status: 429,
      retryAfterSeconds: 2,
      times: 1,
    });
    const started = Date.now();
    expect(await calendar.timeZone()).toBe('Europe/Berlin');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_950);
  });

  it('retries a 5xx with backoff and then succeeds', async () => {
    const { calendar } = clients(await connect(alice));
    await control('/requests', undefined, 'DELETE');
    await control('/faults', { pathPrefix: `/calendar/v3/calendars/${alice}/events`, status: 503, times: 2 });
    const result = await calendar.listChanges(alice);
    expect(result.nextSyncToken).toBeTruthy();
    expect(await requestsTo('/calendar/v3/calendars')).toBe(3);
  });

  it('retries 403 rateLimitExceeded and a timed-out request', async () => {
    const { calendar } = clients(await connect(alice), [], { timeoutMs: 500 });
    await control('/requests', undefined, 'DELETE');
    await control('/faults', {
      pathPrefix: '/calendar/v3/users/me/settings',
      status: 403,
      reason: 'rateLimitExceeded',
      times: 1,
    });
    await control('/faults', { pathPrefix: '/calendar/v3/users/me/settings', timeout: true, times: 1 });
    expect(await calendar.timeZone()).toBe('Europe/Berlin');
    // The 403 and the success; the timed-out request is never answered, so never logged.
    expect(await requestsTo('/calendar/v3/users/me/settings')).toBe(2);
    expect(await requestsTo('/token')).toBe(0); // a rate-limit 403 is no reason to refresh the token
  });

  it('does not retry a non-idempotent watch, and reports the typed error', async () => {
    const { calendar } = clients(await connect(alice));
    await control('/requests', undefined, 'DELETE');
    await control('/faults', { pathPrefix: '/calendar/v3/calendars', method: 'POST', status: 503, times: 1 });
    const error = await calendar
      .watch(alice, { id: 'channel-no-retry', address: 'http://127.0.0.1:9/hook', token: 't' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GoogleApiError);
    expect(error).toMatchObject({ status: 503, reason: 'backendError', operation: 'calendar.events.watch' });
    expect(await requestsTo('/calendar/v3/calendars', 'POST')).toBe(1);
  });

  it('opens the circuit after repeated failures', async () => {
    const { calendar } = clients(await connect(alice), [], { maxAttempts: 1, breakerFailureThreshold: 2 });
    await control('/faults', { pathPrefix: '/calendar/v3/users/me/settings', status: 500 });
    await expect(calendar.timeZone()).rejects.toBeInstanceOf(GoogleApiError);
    await expect(calendar.timeZone()).rejects.toBeInstanceOf(GoogleApiError);
    await expect(calendar.timeZone()).rejects.toThrow(/circuit "google-calendar" is open/);
  });
});

describe('incremental sync', () => {
  it('syncs incrementally across 3 pages, with cancelled events, and resyncs after a 410', async () => {
    const { calendar } = clients(await connect(alice));
    const full = await calendar.listChanges(alice, { maxResults: 100 });
    const created: Array<{ id: string; iCalUID: string }> = [];
    for (let index = 0; index < 4; index++)
      created.push(await createEvent(`Sync ${index}`, `2027-01-0${index + 1}T09:00:00Z`));
    await control(`${calendarPath(alice)}/events/${created[0]!.id}`, { summary: 'Sync 0 renamed' }, 'PATCH');
    await control(`${calendarPath(alice)}/events/${created[1]!.id}`, undefined, 'DELETE');

    const changes = await calendar.listChanges(alice, { syncToken: full.nextSyncToken, maxResults: 2 });
    expect(changes.pages).toBe(2);
    const more = await createEvent('Sync 4', '2027-01-05T09:00:00Z');
    const next = await calendar.listChanges(alice, { syncToken: full.nextSyncToken, maxResults: 2 });
    expect(next.pages).toBe(3);
    expect(next.events.map((event) => event.id).sort()).toEqual(
      [...created.map((event) => event.id), more.id].sort(),
    );
    const cancelled = next.events.find((event) => event.id === created[1]!.id)!;
    expect(cancelled.status).toBe('cancelled');
    expect(next.events.find((event) => event.id === created[0]!.id)!.summary).toBe('Sync 0 renamed');

    const quiet = await calendar.listChanges(alice, { syncToken: next.nextSyncToken });
    expect(quiet.events).toEqual([]);

    await control(`${calendarPath(alice)}/invalidate-sync-tokens`, {});
    const expired = await calendar
      .listChanges(alice, { syncToken: next.nextSyncToken })
      .catch((caught: unknown) => caught);
    expect(expired).toBeInstanceOf(SyncTokenExpired);
    expect(expired).toMatchObject({ calendarId: alice });
    const resync = await calendar.listChanges(alice, { maxResults: 2 });
    expect(resync.events.map((event) => event.id)).toEqual(expect.arrayContaining([created[0]!.id, more.id]));
    expect(resync.events.map((event) => event.id)).not.toContain(created[1]!.id);
    await expect(calendar.listChanges(alice, { syncToken: resync.nextSyncToken })).resolves.toMatchObject({
      events: [],
    });
  });
});

describe('recurring events', () => {
  it("lists a series' instances (all pages, in its zone) and sees a moved or cancelled one in incremental sync", async () => {
    const { calendar } = clients(await connect(alice));
    const series = await createEvent('Weekly', '2027-03-15T09:00:00+01:00', {
      end: { dateTime: '2027-03-15T09:30:00+01:00', timeZone: 'Europe/Berlin' },
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'],
    });
    const instances = await calendar.listInstances(alice, series.id, { maxResults: 3 });
    expect(instances.map((instance) => instance.id)).toEqual([
      `${series.id}_20270315T080000Z`,
      `${series.id}_20270322T080000Z`,
      `${series.id}_20270329T070000Z`,
      `${series.id}_20270405T070000Z`,
    ]);
    const since = await calendar.listChanges(alice);
    await control(`${calendarPath(alice)}/events/${series.id}/cancel-instance`, {
      originalStartTime: '2027-03-22T08:00:00Z',
    });
    const changes = await calendar.listChanges(alice, { syncToken: since.nextSyncToken });
    expect(changes.events).toEqual([
      expect.objectContaining({
        id: `${series.id}_20270322T080000Z`,
        status: 'cancelled',
        recurringEventId: series.id,
      }),
    ]);
    const remaining = await calendar.listInstances(alice, series.id, {
      timeMin: '2027-03-01T00:00:00Z',
      timeMax: '2027-05-01T00:00:00Z',
    });
    expect(remaining).toHaveLength(3);
    expect(await calendar.listInstances(alice, series.id, { showDeleted: true })).toHaveLength(4);
  });
});

describe('conference data', () => {
  it('writes conference data, reads it back, and a copied event keeps it under a new id', async () => {
    const { calendar } = clients(await connect(alice));
    const event = await createEvent('Planning', '2027-02-01T10:00:00Z');
    const before = await calendar.listChanges(alice);
    const patched = await calendar.patchConferenceData(alice, event.id, conference);
    expect(patched.conferenceData?.signature).toBeTruthy();
    const read = await calendar.getEvent(alice, event.id);
    expect(read.conferenceData).toMatchObject({
      ...conference,
      signature: patched.conferenceData!.signature,
    });

    const copy = (await control(`${calendarPath(alice)}/events/${event.id}/duplicate`, {
      start: '2027-02-08T10:00:00Z',
    })) as {
      id: string;
    };
    const changes = await calendar.listChanges(alice, { syncToken: before.nextSyncToken });
    const copied = changes.events.find((candidate) => candidate.id === copy.id)!;
    expect(copied.id).not.toBe(event.id);
    expect(copied.iCalUID).not.toBe(read.iCalUID);
    expect(copied.start?.dateTime).toBe('2027-02-08T10:00:00.000Z');
    expect(copied.conferenceData).toEqual(read.conferenceData);
  });
});

describe('events.move', () => {
  it('moves an event to another writable calendar: same id and conference there, organiser the destination, cancelled in the source, dataOwner listed', async () => {
    const tokens = await connect(alice);
    const { calendar } = clients(tokens);
    const team = emulator.world.addCalendar({ ownerEmail: alice, summary: 'Team' });
    const event = await createEvent('Moving', '2027-02-02T10:00:00Z');
    await calendar.patchConferenceData(alice, event.id, conference);
    const before = await calendar.listChanges(alice);
    const move = (destination?: string) =>
      fetch(
        new URL(
          `calendar/v3/calendars/${encodeURIComponent(alice)}/events/${event.id}/move${destination ? `?destination=${encodeURIComponent(destination)}` : ''}`,
          emulator.endpoints.calendarRootUrl,
        ),
        { method: 'POST', headers: { authorization: `Bearer ${tokens.accessToken}` } },
      );
    expect((await move()).status).toBe(400);
    // Bob's calendar is not Alice's to write to.
    expect((await move(bob)).status).toBe(404);
    const answer = await move(team.id);
    expect(answer.status).toBe(200);
    const moved = (await answer.json()) as { id: string; organizer: { email: string; self?: boolean } };
    expect(moved).toMatchObject({ id: event.id, organizer: { email: team.id, self: true } });
    const there = await calendar.getEvent(team.id, event.id);
    expect(there.conferenceData).toMatchObject({ conferenceId: conference.conferenceId });
    const changes = await calendar.listChanges(alice, { syncToken: before.nextSyncToken });
    expect(changes.events).toEqual([expect.objectContaining({ id: event.id, status: 'cancelled' })]);
    const listed = await calendar.listCalendars();
    expect(listed.find((entry) => entry.id === team.id)).toMatchObject({
      dataOwner: alice,
      accessRole: 'owner',
    });
    expect(listed.find((entry) => entry.id === alice)).not.toHaveProperty('dataOwner');
    // And back again: the id is free on the source, where the event was cancelled.
    const back = await fetch(
      new URL(
        `calendar/v3/calendars/${encodeURIComponent(team.id)}/events/${event.id}/move?destination=${encodeURIComponent(alice)}`,
        emulator.endpoints.calendarRootUrl,
      ),
      { method: 'POST', headers: { authorization: `Bearer ${tokens.accessToken}` } },
    );
    expect(back.status).toBe(200);
    expect((await calendar.getEvent(alice, event.id)).status).toBe('confirmed');
  });
});

describe('push notifications', () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let failNext = 0;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (failNext > 0) {
          failNext--;
          response.writeHead(503).end();
          return;
        }
        received.push({ headers: request.headers, body });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/google`;
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
  });

  const waitFor = async (count: number) => {
    const deadline = Date.now() + 10_000;
    while (received.length < count && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(received.length).toBeGreaterThanOrEqual(count);
  };

  it('sends sync then exists notifications with all of Google headers, retries 5xx, drops on request, and stops', async () => {
    const { calendar } = clients(await connect(alice));
    const channel = await calendar.watch(alice, {
      id: 'channel-push-1',
      address: receiverUrl,
      token: 'channel-secret',
      ttlSeconds: 3_600,
    });
    expect(channel.resourceId).toBeTruthy();
    expect(channel.expiresAt.getTime()).toBeGreaterThan(Date.now());
    await waitFor(1);
    const sync = received[0]!;
    expect(sync.body).toBe('');
    expect(sync.headers).toMatchObject({
      'x-goog-channel-id': 'channel-push-1',
      'x-goog-channel-token': 'channel-secret',
      'x-goog-resource-id': channel.resourceId,
      'x-goog-resource-state': 'sync',
      'x-goog-message-number': '1',
    });
    expect(sync.headers['x-goog-resource-uri']).toBe(channel.resourceUri);
    expect(Date.parse(sync.headers['x-goog-channel-expiration'] as string)).toBe(
      Math.floor(channel.expiresAt.getTime() / 1000) * 1000,
    );

    failNext = 1; // the receiver answers 503 once; Google retries with backoff
    await createEvent('Pushed', '2027-03-01T09:00:00Z');
    await waitFor(2);
    const exists = received[1]!;
    expect(exists.headers['x-goog-resource-state']).toBe('exists');
    expect(Number(exists.headers['x-goog-message-number'])).toBeGreaterThan(1);
    expect(exists.body).toBe('');

    await control('/google/notifications/drop', { count: 1 });
    await createEvent('Dropped', '2027-03-02T09:00:00Z');
    await createEvent('Delivered', '2027-03-03T09:00:00Z');
    await waitFor(3);
    expect(Number(received[2]!.headers['x-goog-message-number'])).toBeGreaterThan(
      Number(exists.headers['x-goog-message-number']),
    );
    const log = (await control('/google/notifications?channelId=channel-push-1')) as {
      notifications: Array<{ dropped: boolean; attempts: unknown[] }>;
    };
    expect(log.notifications.map((notification) => notification.dropped)).toEqual([
      false,
      false,
      true,
      false,
    ]);
    expect(log.notifications[1]!.attempts).toHaveLength(2);

    await calendar.stop({ id: channel.id, resourceId: channel.resourceId });
    await calendar.stop({ id: channel.id, resourceId: channel.resourceId }); // already stopped: still fine
    await createEvent('After stop', '2027-03-04T09:00:00Z');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(3);
  });

  it('stops notifying a channel once it has expired on the emulator clock', async () => {
    const { calendar } = clients(await connect(alice));
    await calendar.watch(alice, { id: 'channel-expiring', address: receiverUrl, token: 't', ttlSeconds: 60 });
    const before = received.length;
    await waitFor(before + 1); // the sync message
    const afterSync = received.length;
    expect(received[afterSync - 1]!.headers['x-goog-channel-id']).toBe('channel-expiring');
    await control('/clock/advance', { seconds: 61 });
    await createEvent('Unseen', '2027-03-05T09:00:00Z');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.length).toBe(afterSync);
  });
});

describe('directory', () => {
  it('reads the Webex site URL from the custom schema, and nothing when none is set', async () => {
    const { directory } = clients(await connect(alice));
    expect(await directory.webexSiteUrl(alice)).toBe('https://acme.webex.com');
    expect(await directory.webexSiteUrl(bob)).toBeUndefined();
    const missing = await directory.webexSiteUrl('nobody@other.example').catch((caught: unknown) => caught);
    expect(missing).toMatchObject({ status: 404 });
  });
});

describe('Gmail: the message an add-on has open (users.messages.get, metadata, per-message token)', () => {
  const messageScope = 'https://www.googleapis.com/auth/gmail.addons.current.message.metadata';
  const mailbox = (email: string) => `/google/gmail/users/${encodeURIComponent(email)}/messages`;
  const addMessage = async (email: string, subject: string) =>
    (
      (await control(mailbox(email), {
        from: 'Erin <erin@partner.example>',
        to: [alice, 'bob@demo.example'],
        cc: ['carol@demo.example'],
        subject,
        body: 'the secret body',
      })) as { id: string }
    ).id;
  const tokenFor = async (email: string, messageId: string) =>
    ((await control(`${mailbox(email)}/${messageId}/access-token`, {})) as { accessToken: string })
      .accessToken;

  it('answers the asked-for headers with the per-message token, never the body', async () => {
    const { gmail, auth } = clients(await connect(alice, [messageScope]));
    const messageId = await addMessage(alice, 'Contract review');
    const metadata = await gmail.messageMetadata(messageId, await tokenFor(alice, messageId));
    expect(metadata).toEqual({
      id: messageId,
      threadId: messageId,
      headers: {
        From: 'Erin <erin@partner.example>',
        To: `${alice}, bob@demo.example`,
        Cc: 'carol@demo.example',
        Subject: 'Contract review',
        Date: expect.any(String),
      },
    });
    // What went over the wire: format=metadata with the five headers, and no body came back.
    const { token } = await auth.getAccessToken();
    const raw = await fetch(
      `${emulator.url}/gmail/v1/users/me/messages/${messageId}?format=metadata&metadataHeaders=Subject`,
      {
        headers: {
          authorization: `Bearer ${token}`,
          'x-goog-gmail-access-token': await tokenFor(alice, messageId),
        },
      },
    );
    const body = (await raw.json()) as { payload: { headers: unknown[]; body?: unknown } };
    expect(body.payload.headers).toEqual([{ name: 'Subject', value: 'Contract review' }]);
    expect(body.payload.body).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('data');
  });

  it('refuses a token issued for another message, or for another user’s message: 403', async () => {
    const { gmail } = clients(await connect(alice, [messageScope]));
    const first = await addMessage(alice, 'First');
    const second = await addMessage(alice, 'Second');
    const otherToken = await tokenFor(alice, second);
    await expect(gmail.messageMetadata(first, otherToken)).rejects.toMatchObject({
      name: 'GoogleApiError',
      status: 403,
    });
    const bobs = await addMessage(bob, 'Bob only');
    await expect(gmail.messageMetadata(bobs, await tokenFor(bob, bobs))).rejects.toMatchObject({
      status: 403,
    });
  });

  it('refuses any format but metadata with the metadata scope, and any read without Gmail consent', async () => {
    const withScope = clients(await connect(alice, [messageScope]));
    const messageId = await addMessage(alice, 'Format');
    const { token } = await withScope.auth.getAccessToken();
    const full = await fetch(`${emulator.url}/gmail/v1/users/me/messages/${messageId}?format=full`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-goog-gmail-access-token': await tokenFor(alice, messageId),
      },
    });
    expect(full.status).toBe(403);
    const { gmail } = clients(await connect(alice));
    await expect(gmail.messageMetadata(messageId, await tokenFor(alice, messageId))).rejects.toMatchObject({
      status: 403,
      reason: 'insufficientPermissions',
    });
  });
});
