import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { firstValueFrom } from 'rxjs';
import { JetStreamClient, busNames } from '@scheduler/bus';
import {
  ExchangeGoogleAuthorizationCode,
  MeetingRequested,
  MeetingScheduled,
  ReadCalendarEvent,
  createEvent,
  newUuidV7,
} from '@scheduler/contracts';
import { PersonalDataCodec, isSealedValue } from '@scheduler/crypto-shredding';
import {
  EmulatorControl,
  createGoogleEmulator,
  createWebexEmulator,
  developmentClient,
  type GoogleEmulator,
  type WebexEmulator,
} from '@scheduler/emulators';
import {
  type EventStore,
  PostgresEventStore,
  envelopeToEventToAppend,
  recordedEventToEnvelope,
} from '@scheduler/event-store';
import { GoogleOAuth } from '@scheduler/google';
import { freePort, localServiceEnvironments } from '@scheduler/local-infra';
import { EVENT_STORE, NATS_CONNECTION, createServiceApp } from '@scheduler/runtime';
import {
  eventually,
  isolatedSchema,
  startServiceProcess,
  testInfrastructure,
  uniqueName,
  type IsolatedSchema,
  type ServiceProcess,
} from '@scheduler/testing';
import { GoogleIngestModule } from './app.module.js';
import { buildOurConferenceData, readOurConference } from './calendar-sync/conference.js';
import { calendarEventStreamId } from './calendar-sync/event-mapping.js';
import { googleIngestEnvironment, type GoogleIngestConfig } from './config.js';
import { ChannelManager } from './watch-channels/channel-manager.js';

// The service wired as main.ts wires it, in this process: real NATS (its own BUS_PREFIX, so its
// streams, subjects, durable consumers and relay checkpoint are this file's alone), real
// PostgreSQL (one schema each for the event store, the private database and the data keys) and
// the Google emulator, which pushes its notifications to the service's real webhook.
const clientId = 'scheduler-wiring-test.apps.googleusercontent.com';
const clientSecret = 'wiring-test-secret';
const redirectUri = 'https://scheduler.example/v1/oauth/google/callback';
const tenantId = 'demo.example';
const alice = 'alice@demo.example';
const scopes = [
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/gmail.addons.current.message.metadata',
];
// PKCE as the gateway runs it: the consent carries the S256 challenge, the exchange the verifier.
const codeVerifier = randomBytes(48).toString('base64url');
const codeChallenge = createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
const busPrefix = uniqueName('google_ingest_wiring');
const names = busNames(busPrefix);

let schemas: IsolatedSchema[] = [];
let emulator: GoogleEmulator;
// webex-bridge, the meeting stream's one writer, records ConferenceAttached when google-ingest
// asks: it runs as its own process on the same event store, data keys and JetStream prefix.
let webex: WebexEmulator;
let bridge: ServiceProcess | undefined;
let app: INestApplication;
let client: JetStreamClient;
let baseUrl: string;
let aliceId: string;
let store: EventStore;
let closed = false;

const control = (path: string, body?: unknown, method?: string) =>
  new EmulatorControl(emulator.url).request<Record<string, unknown> | undefined>(path, body, method);
const calendarPath = `/google/calendars/${encodeURIComponent(alice)}`;

/** Messages per subject in this file's event stream: what the relay published. */
async function publishedSubjects(): Promise<Record<string, number>> {
  const manager = await jetstreamManager(app.get<NatsConnection>(NATS_CONNECTION));
  const info = await manager.streams.info(names.eventStream, { subjects_filter: '>' });
  return info.state.subjects ?? {};
}
const subjectOf = (category: string, type: string) => `${busPrefix}.evt.${category}.${type}`;

async function createEvent_(body: Record<string, unknown>): Promise<string> {
  const event = await control(`${calendarPath}/events`, body);
  return event!.id as string;
}

/** Waits until the emulator delivered every notification so far, then until the syncs they caused ended. */
async function settle(): Promise<void> {
  await eventually(async () => {
    const { notifications } = (await control('/google/notifications')) as {
      notifications: Array<{ dropped: boolean; attempts: unknown[] }>;
    };
    expect(notifications.filter((entry) => !entry.dropped && entry.attempts.length === 0)).toEqual([]);
  });
  await app.get(ChannelManager).idle();
}

beforeAll(async () => {
  schemas = await Promise.all(
    ['wiring_events', 'wiring_private', 'wiring_keys', 'wiring_bridge'].map((name) => isolatedSchema(name)),
  );
  const [events, privateDatabase, keys, bridgeDatabase] = schemas as [
    IsolatedSchema,
    IsolatedSchema,
    IsolatedSchema,
    IsolatedSchema,
  ];
  const keyEncryptionKey = `kek-wiring:${randomBytes(32).toString('base64')}`;
  emulator = await createGoogleEmulator({ push: { retryBaseDelayMs: 50 } });
  await emulator.listen();
  const seeded = emulator.seed({
    clients: [{ clientId, clientSecret, redirectUris: [redirectUri] }],
    users: [
      {
        email: alice,
        name: 'Alice Example',
        timeZone: 'Europe/Berlin',
        directory: { customSchemas: { Webex: { SiteUrl: 'https://acme.webex.com/' } } },
      },
    ],
  });
  aliceId = seeded.users[0]!.sub;
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const config: GoogleIngestConfig = googleIngestEnvironment.parse({
    HTTP_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
    NATS_URL: testInfrastructure().natsUrl,
    EVENT_STORE_URL: events.connectionString,
    LOG_LEVEL: 'warn',
    BUS_PREFIX: busPrefix,
    DATABASE_URL: privateDatabase.connectionString,
    KEY_STORE_URL: keys.connectionString,
    KEY_ENCRYPTION_KEY: keyEncryptionKey,
    GOOGLE_CLIENT_ID: clientId,
    GOOGLE_CLIENT_SECRET: clientSecret,
    GOOGLE_REDIRECT_URI: redirectUri,
    GOOGLE_API_BASE_URL: emulator.url,
    PUBLIC_WEBHOOK_BASE_URL: baseUrl,
    // Only the webhook may cause a sync in these tests: the periodic one runs at start, then not for an hour.
    PERIODIC_SYNC_INTERVAL_MS: '3600000',
  });
  webex = createWebexEmulator({ sweepIntervalMs: 0 });
  await webex.listen(0, '127.0.0.1');
  const bridgePort = await freePort();
  const bridgeStarting = startServiceProcess(
    { name: 'webex-bridge', main: new URL('../../webex-bridge/src/main.ts', import.meta.url) },
    localServiceEnvironments({
      natsUrl: testInfrastructure().natsUrl,
      eventStoreUrl: events.connectionString,
      keyStoreUrl: keys.connectionString,
      databases: {
        gateway: bridgeDatabase.connectionString,
        googleIngest: privateDatabase.connectionString,
        webexBridge: bridgeDatabase.connectionString,
        retention: bridgeDatabase.connectionString,
      },
      googleUrl: emulator.url,
      webexUrl: webex.url,
      ports: { gateway: bridgePort, googleIngest: port, webexBridge: bridgePort, retention: bridgePort },
      tenantDomain: tenantId,
      google: { clientId, clientSecret },
      webex: developmentClient,
      secrets: { oauthStateSecret: randomBytes(32).toString('base64url'), keyEncryptionKey },
      busPrefix,
      logLevel: 'warn',
    })['webex-bridge'],
  ).then(async (started) => {
    bridge = started;
    await started.waitUntilReady(60_000);
  });
  app = await createServiceApp(
    {
      service: 'google-ingest',
      environment: googleIngestEnvironment,
      module: (validated) => GoogleIngestModule.forRoot(validated),
      consumesEvents: true,
    },
    config,
  );
  await app.startAllMicroservices();
  await app.listen(port, '127.0.0.1');
  store = app.get<EventStore>(EVENT_STORE);
  client = new JetStreamClient({ servers: testInfrastructure().natsUrl, names, requestTimeoutMs: 20_000 });
  await client.connect();
  await bridgeStarting;
}, 120_000);

afterAll(async () => {
  await client?.close();
  if (!closed) await app?.close();
  await bridge?.stop();
  await webex?.close();
  await emulator?.close();
  await Promise.all(schemas.map((schema) => schema.drop()));
});

describe('google-ingest wired', () => {
  it('reports ready with its private database and its relay', async () => {
    // The relay reports ready once it caught up with the (empty) event store.
    const ready = await eventually(async () => {
      const body = (await (await fetch(`${baseUrl}/health/ready`)).json()) as {
        status: string;
        info: object;
      };
      expect(body.status).toBe('ok');
      return body;
    }, 15_000);
    expect(Object.keys(ready.info).sort()).toEqual(['nats', 'postgres', 'private-database', 'relay']);
  });

  it('connects an account through ExchangeGoogleAuthorizationCode over NATS; its events reach JetStream through the relay', async () => {
    // The consent as a browser runs it: our authorization URL, the emulator's automatic consent, the code.
    const oauth = new GoogleOAuth({
      clientId,
      clientSecret,
      redirectUri,
      endpoints: emulator.endpoints,
    });
    const consent = await fetch(
      oauth.authorizationUrl({ scopes, state: 'state-1', loginHint: alice, codeChallenge }),
      {
        redirect: 'manual',
      },
    );
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    expect(code).toBeTruthy();

    const response = await firstValueFrom(
      client.send(ExchangeGoogleAuthorizationCode, {
        tenantId,
        code,
        redirectUri,
        codeVerifier,
        correlationId: 'corr-wiring-1',
      }),
    );
    expect(response).toEqual({ userId: aliceId, connected: true });

    // Sealed in the store: the profile's email is not there in plaintext.
    const userEvents = await store.readStream(`googleAccount-${aliceId}`);
    expect(userEvents.map((event) => event.type)).toEqual([
      'GoogleAccountConnected',
      'DirectoryWebexSiteChanged',
    ]);
    expect(isSealedValue(userEvents[0]!.data.email)).toBe(true);
    const codec = app.get(PersonalDataCodec);
    const decoded = await codec.decode(recordedEventToEnvelope(userEvents[0]!));
    expect((decoded.event.data as { email: string }).email).toBe(alice);

    await eventually(async () => {
      const subjects = await publishedSubjects();
      expect(subjects[subjectOf('googleAccount', 'GoogleAccountConnected')]).toBe(1);
      expect(subjects[subjectOf('googleAccount', 'DirectoryWebexSiteChanged')]).toBe(1);
      expect(subjects[subjectOf('calendarWatch', 'CalendarWatchStarted')]).toBe(1);
    }, 15_000);

    // A code used twice is refused, and the refusal reaches the caller as the command's answer.
    await expect(
      firstValueFrom(
        client.send(ExchangeGoogleAuthorizationCode, {
          tenantId,
          code,
          redirectUri,
          codeVerifier,
          correlationId: 'corr-wiring-2',
        }),
      ),
    ).resolves.toEqual({ connected: false, refused: 'authorization-code-rejected' });
  }, 30_000);

  it('refuses a code issued for a PKCE challenge when the verifier is wrong or missing (Google: invalid_grant)', async () => {
    const oauth = new GoogleOAuth({ clientId, clientSecret, redirectUri, endpoints: emulator.endpoints });
    const consent = async () => {
      const answer = await fetch(
        oauth.authorizationUrl({ scopes, state: 'state-pkce', loginHint: alice, codeChallenge }),
        { redirect: 'manual' },
      );
      return new URL(answer.headers.get('location')!).searchParams.get('code')!;
    };
    const exchange = (code: string, verifier: string) =>
      firstValueFrom(
        client.send(ExchangeGoogleAuthorizationCode, {
          tenantId,
          code,
          redirectUri,
          codeVerifier: verifier,
          correlationId: 'corr-wiring-pkce',
        }),
      );
    const before = (await store.readStream(`googleAccount-${aliceId}`)).length;
    await expect(exchange(await consent(), randomBytes(48).toString('base64url'))).resolves.toEqual({
      connected: false,
      refused: 'authorization-code-rejected',
    });
    // Google's own answers, as the emulator gives them to any client.
    const tokenRequest = async (fields: Record<string, string>) => {
      const answer = await fetch(`${emulator.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uri: redirectUri,
          ...fields,
        }).toString(),
      });
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    };
    await expect(tokenRequest({ code: await consent() })).resolves.toEqual({
      status: 400,
      body: expect.objectContaining({ error: 'invalid_grant', error_description: 'Missing code verifier.' }),
    });
    await expect(tokenRequest({ code: await consent(), code_verifier: 'x'.repeat(43) })).resolves.toEqual({
      status: 400,
      body: expect.objectContaining({ error: 'invalid_grant', error_description: 'Invalid code verifier.' }),
    });
    // Nothing was recorded for the refused exchange.
    expect(await store.readStream(`googleAccount-${aliceId}`)).toHaveLength(before);
  }, 30_000);

  it('answers ReadCalendarEvent over NATS: found, not found, no account', async () => {
    const eventId = await createEvent_({
      summary: 'Quarterly planning',
      start: { dateTime: '2027-03-01T10:00:00+01:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2027-03-01T11:00:00+01:00', timeZone: 'Europe/Berlin' },
      attendees: [{ email: 'Grace@Example.com', displayName: 'Grace' }, { email: alice }],
    });
    const read = (request: { userId: string; eventId: string }) =>
      firstValueFrom(client.send(ReadCalendarEvent, { tenantId, calendarId: alice, ...request }));

    await expect(read({ userId: aliceId, eventId })).resolves.toEqual({
      outcome: 'found',
      event: {
        calendarId: alice,
        title: 'Quarterly planning',
        start: '2027-03-01T09:00:00.000Z',
        end: '2027-03-01T10:00:00.000Z',
        timeZone: 'Europe/Berlin',
        invitees: [{ email: 'grace@example.com', displayName: 'Grace' }],
        organizerEmail: alice,
        organizedByUser: true,
      },
    });
    await expect(read({ userId: aliceId, eventId: 'abcdefghij0123456789' })).resolves.toEqual({
      outcome: 'not-found',
      reason: 'unknown',
    });
    await control(`${calendarPath}/events/${eventId}`, undefined, 'DELETE');
    await expect(read({ userId: aliceId, eventId })).resolves.toEqual({
      outcome: 'not-found',
      reason: 'cancelled',
    });
    await expect(read({ userId: '108234567890123456789', eventId })).resolves.toEqual({
      outcome: 'account-unavailable',
    });
  }, 30_000);

  it('syncs on a push notification POSTed to the webhook and records CalendarEventChanged for an event carrying our conference', async () => {
    const { channels } = (await control('/google/channels')) as {
      channels: Array<{ id: string; calendarId: string; stopped: boolean; expired: boolean }>;
    };
    const channel = channels.find((entry) => entry.calendarId === alice && !entry.stopped && !entry.expired)!;
    expect(channel).toBeDefined();
    await settle();

    // Google's own delivery of this change is dropped; we deliver its exact headers ourselves.
    await control('/google/notifications/drop', { count: 1 });
    const meetingId = newUuidV7();
    const eventId = await createEvent_({
      summary: 'Design review',
      start: { dateTime: '2027-03-02T09:00:00Z', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2027-03-02T09:30:00Z', timeZone: 'Europe/Berlin' },
      conferenceData: buildOurConferenceData({
        meetingId,
        meetingNumber: '2551234567',
        joinUrl: 'https://acme.webex.com/acme/j.php?MTID=m1',
        siteUrl: 'acme.webex.com',
      }),
    });
    const { notifications } = (await control(`/google/notifications?channelId=${channel.id}`)) as {
      notifications: Array<{ dropped: boolean; headers: Record<string, string> }>;
    };
    const dropped = notifications.at(-1)!;
    expect(dropped.dropped).toBe(true);
    const streamId = calendarEventStreamId(aliceId, eventId);
    // Nothing else syncs meanwhile: the change is unknown to us until the notification arrives.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await store.readStream(streamId).catch(() => [])).toEqual([]);

    // Forged or malformed notifications are answered 200 too (so Google does not retry) and change nothing.
    const forged = await fetch(`${baseUrl}/webhooks/google/calendar`, {
      method: 'POST',
      headers: { ...dropped.headers, 'X-Goog-Channel-Token': 'not-the-token' },
    });
    expect(forged.status).toBe(200);
    const malformed = await fetch(`${baseUrl}/webhooks/google/calendar`, { method: 'POST' });
    expect(malformed.status).toBe(200);

    const delivered = await fetch(`${baseUrl}/webhooks/google/calendar`, {
      method: 'POST',
      headers: dropped.headers,
    });
    expect(delivered.status).toBe(200);
    const changed = await eventually(async () => {
      const recorded = await store.readStream(streamId);
      expect(recorded.map((event) => event.type)).toEqual(['CalendarEventChanged']);
      return recorded[0]!;
    }, 15_000);
    expect(changed.data).toMatchObject({
      change: 'created',
      eventId,
      conference: { meetingId, conferenceId: '2551234567' },
    });
    await eventually(async () => {
      const subjects = await publishedSubjects();
      expect(subjects[subjectOf('calendarEvent', 'CalendarEventChanged')]).toBe(1);
    }, 15_000);
  }, 30_000);

  it('writes the conference into the Google event on MeetingScheduled from the bus; webex-bridge records ConferenceAttached', async () => {
    const eventId = await createEvent_({
      summary: 'Customer call',
      start: { dateTime: '2027-03-03T15:00:00Z', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2027-03-03T15:30:00Z', timeZone: 'Europe/Berlin' },
    });
    const meetingId = newUuidV7();
    const streamId = `meeting-${meetingId}`;
    const requested = createEvent(MeetingRequested, {
      streamId,
      tenantId,
      correlationId: `corr-${meetingId}`,
      data: {
        meetingId,
        userId: aliceId,
        source: 'calendar',
        calendarId: alice,
        eventId,
        title: 'Customer call',
        start: '2027-03-03T15:00:00Z',
        end: '2027-03-03T15:30:00Z',
        timeZone: 'Europe/Berlin',
        invitees: [],
      },
    });
    const scheduled = createEvent(MeetingScheduled, {
      streamId,
      tenantId,
      cause: requested,
      data: {
        meetingId,
        webexMeetingId: '5f1e2d3c4b5a69788796a5b4c3d2e1f0',
        meetingNumber: '2557654321',
        siteUrl: 'acme.webex.com',
        webLink: 'https://acme.webex.com/acme/j.php?MTID=m0123456789abcdef0123456789abcdef',
        password: 'Xy7pQ2mn',
      },
    });
    // The stream as webex-bridge leaves it once Webex scheduled the meeting. Its relay publishes
    // MeetingScheduled too; JetStream keeps one copy (same message id).
    const codec = app.get(PersonalDataCodec);
    await store.append(
      streamId,
      [envelopeToEventToAppend(await codec.encode(requested)), envelopeToEventToAppend(scheduled)],
      'no_stream',
    );
    await firstValueFrom(client.emit(MeetingScheduled, scheduled));

    await eventually(async () => {
      const recorded = await store.readStream(streamId);
      expect(recorded.map((event) => event.type)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
        'ConferenceAttached',
      ]);
    }, 20_000);
    const { items } = (await control(`${calendarPath}/events`)) as {
      items: Array<{ id: string; conferenceData?: Parameters<typeof readOurConference>[0] }>;
    };
    const written = readOurConference(items.find((item) => item.id === eventId)!.conferenceData);
    expect(written).toMatchObject({ meetingId, conferenceId: '2557654321' });
    await eventually(async () => {
      const subjects = await publishedSubjects();
      expect(subjects[subjectOf('meeting', 'ConferenceAttached')]).toBe(1);
    }, 15_000);
  }, 40_000);
  it('a revoked grant noticed by a pushed sync disconnects the account (event on JetStream, channel stopped); the reconnection resyncs in full', async () => {
    await settle();
    const { channels: before } = (await control('/google/channels')) as {
      channels: Array<{ id: string; stopped: boolean; expired: boolean }>;
    };
    const live = before
      .filter((channel) => !channel.stopped && !channel.expired)
      .map((channel) => channel.id);
    expect(live).toHaveLength(1);
    // The user removes our access in Google; an hour later the access token lapses too.
    await control('/google/refresh-tokens/revoke', { email: alice });
    emulator.clock.advance(3_700_000);
    await createEvent_({
      summary: 'Nobody syncs this',
      start: { dateTime: '2027-03-05T09:00:00Z' },
      end: { dateTime: '2027-03-05T09:30:00Z' },
    });
    const disconnected = await eventually(async () => {
      const account = await store.readStream(`googleAccount-${aliceId}`);
      expect(account.map((event) => event.type).at(-1)).toBe('GoogleAccountDisconnected');
      return account.at(-1)!;
    }, 15_000);
    expect(disconnected.data).toMatchObject({ userId: aliceId, reason: 'token-revoked' });
    const watch = await store.readStream(`calendarWatch-${aliceId}`);
    expect(watch.filter((event) => event.type === 'CalendarWatchStopped').map((event) => event.data)).toEqual(
      [expect.objectContaining({ channelId: live[0], reason: 'account-disconnected' })],
    );
    await eventually(async () => {
      const subjects = await publishedSubjects();
      expect(subjects[subjectOf('googleAccount', 'GoogleAccountDisconnected')]).toBe(1);
    }, 15_000);

    const oauth = new GoogleOAuth({ clientId, clientSecret, redirectUri, endpoints: emulator.endpoints });
    const consent = await fetch(
      oauth.authorizationUrl({ scopes, state: 'state-2', loginHint: alice, codeChallenge }),
      {
        redirect: 'manual',
      },
    );
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    await expect(
      firstValueFrom(
        client.send(ExchangeGoogleAuthorizationCode, {
          tenantId,
          code,
          redirectUri,
          codeVerifier,
          correlationId: 'corr-wiring-reconnect',
        }),
      ),
    ).resolves.toEqual({ userId: aliceId, connected: true });
    expect((await store.readStream(`googleAccount-${aliceId}`)).map((event) => event.type).at(-1)).toBe(
      'GoogleAccountConnected',
    );
    const resets = (await store.readStream(`calendarWatch-${aliceId}`)).filter(
      (event) => event.type === 'CalendarSyncReset',
    );
    expect(resets.map((event) => (event.data as { reason: string }).reason)).toEqual([
      'initial',
      'account-reconnected',
    ]);

    // Google refused channels.stop with the dead grant: the old channel lives on at Google until
    // its expiry (we ignore it meanwhile); then only the reconnection's channel is left.
    const { channels: after } = (await control('/google/channels')) as {
      channels: Array<{ id: string; stopped: boolean; expired: boolean; expirationMs: number }>;
    };
    const old = after.find((channel) => channel.id === live[0])!;
    expect(old).toMatchObject({ stopped: false, expired: false });
    emulator.clock.set(new Date(old.expirationMs + 1_000));
    const { channels: lapsed } = (await control('/google/channels')) as {
      channels: Array<{ id: string; stopped: boolean; expired: boolean }>;
    };
    const stillLive = lapsed.filter((channel) => !channel.stopped && !channel.expired);
    expect(stillLive.map((channel) => channel.id)).not.toContain(live[0]);
    expect(stillLive).toHaveLength(1);
  }, 40_000);

  it('shuts down gracefully: a sync in flight when the app closes still records its change', async () => {
    await settle();
    await control('/google/notifications/drop', { count: 1 });
    const meetingId = newUuidV7();
    const eventId = await createEvent_({
      summary: 'Late change',
      start: { dateTime: '2027-03-04T09:00:00Z', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2027-03-04T09:30:00Z', timeZone: 'Europe/Berlin' },
      conferenceData: buildOurConferenceData({
        meetingId,
        meetingNumber: '2559999999',
        joinUrl: 'https://acme.webex.com/acme/j.php?MTID=m2',
        siteUrl: 'acme.webex.com',
      }),
    });
    const { notifications } = (await control('/google/notifications')) as {
      notifications: Array<{ dropped: boolean; headers: Record<string, string> }>;
    };
    const dropped = notifications.at(-1)!;
    expect(dropped.dropped).toBe(true);
    // Google answers the sync's events.list slowly: the sync is still running when the app closes.
    // (The sync also holds a private-database client under its advisory lock, so pool.end() would
    // wait for it as well; ChannelManager.idle() in the shutdown hooks makes that wait explicit.)
    await control('/faults', {
      method: 'GET',
      pathPrefix: `/calendar/v3/calendars/${alice}/events`,
      latencyMs: 1_500,
      times: 1,
    });
    const delivered = await fetch(`${baseUrl}/webhooks/google/calendar`, {
      method: 'POST',
      headers: dropped.headers,
    });
    expect(delivered.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    closed = true;
    await app.close();

    const reader = await PostgresEventStore.connect({ connectionString: schemas[0]!.connectionString });
    try {
      const recorded = await reader.readStream(calendarEventStreamId(aliceId, eventId));
      // Stored sealed under the meeting's key (the app, and with it its codec, is closed by now).
      expect(recorded.map((event) => [event.type, (event.data as { title: unknown }).title])).toEqual([
        [
          'CalendarEventChanged',
          expect.objectContaining({ $sealed: 'v1', subject: expect.stringMatching(/^meeting:/) }),
        ],
      ]);
    } finally {
      await reader.close();
    }
  }, 30_000);
});
