import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { firstValueFrom } from 'rxjs';
import { EventRelay, busNames, commandSubject, type JetStreamClient } from '@scheduler/bus';
import {
  CalendarEventChanged,
  DirectoryWebexSiteChanged,
  EndMeeting,
  ExchangeWebexAuthorizationCode,
  MeetingRequested,
  RecordConferenceAttached,
  RecordMeetingDataPurged,
  RequestMeeting,
  createEvent,
  newUuidV7,
  type DataOf,
  type EventEnvelope,
  type EventOf,
} from '@scheduler/contracts';
import { PersonalDataCodec, isSealedValue } from '@scheduler/crypto-shredding';
import { createWebexEmulator, developmentClient, type WebexEmulator } from '@scheduler/emulators';
import {
  type EventStore,
  StreamNotFoundError,
  createEventStore,
  envelopeToEventToAppend,
  positionToString,
  recordedEventToEnvelope,
} from '@scheduler/event-store';
import {
  BUS_CLIENT,
  EVENT_STORE,
  MetricsRegistry,
  NATS_CONNECTION,
  createServiceApp,
} from '@scheduler/runtime';
import {
  eventually,
  isolatedSchema,
  testInfrastructure,
  uniqueName,
  type IsolatedSchema,
} from '@scheduler/testing';
import { WebexOAuth } from '@scheduler/webex';
import pg from 'pg';
import type { z } from 'zod';
import { WebexBridgeModule } from './app.module.js';
import { webexBridgeEnvironment, type WebexBridgeConfig } from './config.js';
import { meetingStreamId } from './meetings/meeting.decider.js';
import { webexAccountStreamId } from './webex-accounts/webex-account.decider.js';

// The wired service in-process, over the real bus: the command over NATS request/reply, events
// from the event store through relays and JetStream to the @OnEvent handlers.
//
// Isolation on the shared nats-server:
// - BUS_PREFIX gives this file streams and subjects of its own (`<prefix>.evt.…`, including the
//   command subject), so no other file's events reach our consumer and ours reach no one else's;
//   the streams are deleted afterwards.
// - the service still runs under a unique name (durable consumer, relay checkpoint, metrics
//   label), so nothing is shared even with a prefix collision.
// - in production CalendarEventChanged and DirectoryWebexSiteChanged are published by
//   google-ingest's relay (one publishing relay per event type); here a second relay (unique
//   name, those two types only, same prefix) stands in for it, over the same event store. The
//   bridge's own relay publishes what the bridge produces, MeetingRequested included.
// - event store, private database and data-key store each get an isolated schema.

const tenantId = 'demo.example';
const redirectUri = 'https://scheduler.example/v1/oauth/webex/callback';
const service = uniqueName('webex_bridge').replace(/_/g, '-');
const names = busNames(uniqueName('webex_bridge_wiring'));

let emulator: WebexEmulator;
let eventStoreSchema: IsolatedSchema;
let privateSchema: IsolatedSchema;
let keyStoreSchema: IsolatedSchema;
let app: INestApplication;
let store: EventStore;
let codec: PersonalDataCodec;
let relayStore: EventStore;
let upstreamRelay: EventRelay;
let privateDatabase: pg.Pool;

const newUserId = () => `1${randomBytes(8).readBigUInt64BE().toString().padStart(20, '0')}`;

beforeAll(async () => {
  emulator = createWebexEmulator({ sweepIntervalMs: 0 });
  await emulator.listen();
  [eventStoreSchema, privateSchema, keyStoreSchema] = await Promise.all([
    isolatedSchema('webex_bridge_events'),
    isolatedSchema('webex_bridge_private'),
    isolatedSchema('webex_bridge_keys'),
  ]);
  const config: WebexBridgeConfig = webexBridgeEnvironment.parse({
    HTTP_PORT: '0',
    NATS_URL: testInfrastructure().natsUrl,
    EVENT_STORE_URL: eventStoreSchema.connectionString,
    LOG_LEVEL: 'warn',
    BUS_PREFIX: names.prefix,
    DATABASE_URL: privateSchema.connectionString,
    KEY_STORE_URL: keyStoreSchema.connectionString,
    KEY_ENCRYPTION_KEY: `test-kek:${randomBytes(32).toString('base64')}`,
    WEBEX_API_BASE_URL: `${emulator.url}/v1`,
    WEBEX_CLIENT_ID: developmentClient.clientId,
    WEBEX_CLIENT_SECRET: developmentClient.clientSecret,
    WEBEX_REDIRECT_URI: redirectUri,
  });
  app = await createServiceApp(
    {
      service,
      environment: webexBridgeEnvironment,
      module: (validated) => WebexBridgeModule.forRoot(validated, { service }),
      consumesEvents: true,
    },
    config,
  );
  await app.startAllMicroservices();
  await app.init();
  store = app.get<EventStore>(EVENT_STORE);
  codec = app.get(PersonalDataCodec);
  privateDatabase = new pg.Pool({ connectionString: privateSchema.connectionString, max: 2 });
  relayStore = await createEventStore(eventStoreSchema.connectionString);
  upstreamRelay = await EventRelay.start({
    store: relayStore,
    connection: app.get<NatsConnection>(NATS_CONNECTION),
    relayName: `${service}-upstream`,
    names,
    filter: { types: [CalendarEventChanged.type, DirectoryWebexSiteChanged.type] },
  });
}, 60_000);

afterAll(async () => {
  await upstreamRelay?.stop();
  await relayStore?.close();
  await privateDatabase?.end();
  await app?.close();
  // The app's connection is closed by now: remove this file's streams over one of our own.
  const nats = await connect({ servers: testInfrastructure().natsUrl });
  try {
    const jsm = await jetstreamManager(nats);
    for (const stream of [names.eventStream, names.deadLetterStream, names.checkpointStream])
      expect(await jsm.streams.delete(stream)).toBe(true);
  } finally {
    await nats.close();
  }
  await Promise.all([eventStoreSchema?.drop(), privateSchema?.drop(), keyStoreSchema?.drop()]);
  await emulator?.close();
}, 60_000);

// Helpers

/** What the user's browser does: Webex's /authorize redirects back to the gateway with a code. */
async function authorizationCode(email: string): Promise<string> {
  const oauth = new WebexOAuth({
    baseUrl: `${emulator.url}/v1`,
    clientId: developmentClient.clientId,
    clientSecret: developmentClient.clientSecret,
    redirectUri,
  });
  const response = await fetch(oauth.authorizationUrl({ state: 'state-1', loginHint: email }), {
    redirect: 'manual',
  });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location')!).searchParams.get('code')!;
}

async function connectedUser(
  sites: { siteUrl: string; default?: boolean }[] = [{ siteUrl: 'acme.webex.com' }],
) {
  const email = `user${randomBytes(5).toString('hex')}@example.com`;
  emulator.seedUser({ email, displayName: 'Ada Lovelace', timezone: 'Europe/Berlin', sites });
  const userId = newUserId();
  const client = app.get<JetStreamClient>(BUS_CLIENT);
  const answer = await firstValueFrom(
    client.send(ExchangeWebexAuthorizationCode, {
      tenantId,
      userId,
      googleEmail: email,
      code: await authorizationCode(email),
      redirectUri,
      codeVerifier: 'test-pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz',
      correlationId: `connect-${userId}`,
    }),
  );
  return { email, userId, answer };
}

async function readTypes(streamId: string): Promise<string[]> {
  try {
    return (await store.readStream(streamId)).map((record) => record.type);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
}

/** The meeting's stream, opened by the service's own codec. */
async function meetingEvents(meetingId: string): Promise<EventEnvelope[]> {
  const events: EventEnvelope[] = [];
  for (const record of await store.readStream(meetingStreamId(meetingId)))
    events.push((await codec.decode(recordedEventToEnvelope(record))).event);
  return events;
}

function futureTimes(daysAhead: number, minutes = 30) {
  const start = Math.ceil((Date.now() + daysAhead * 86_400_000) / 3_600_000) * 3_600_000;
  return { start: new Date(start).toISOString(), end: new Date(start + minutes * 60_000).toISOString() };
}

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

type MeetingCommand =
  | typeof RequestMeeting
  | typeof RecordConferenceAttached
  | typeof EndMeeting
  | typeof RecordMeetingDataPurged;

/** A command to the bridge over NATS request/reply, its answer checked by the contract. */
async function send<Contract extends MeetingCommand>(
  contract: Contract,
  request: z.input<Contract['request']>,
): Promise<z.output<Contract['response']>> {
  const client = app.get<JetStreamClient>(BUS_CLIENT);
  return contract.parseResponse(await firstValueFrom(client.send(contract, request))) as z.output<
    Contract['response']
  >;
}

function meetingRequestData(userId: string, organizerEmail: string): DataOf<typeof MeetingRequested> {
  const meetingId = newUuidV7();
  return {
    meetingId,
    userId,
    source: 'calendar',
    calendarId: organizerEmail,
    eventId: `ev${meetingId.replaceAll('-', '').slice(-12)}`,
    title: 'Design review',
    ...futureTimes(3),
    timeZone: 'Europe/Berlin',
    invitees: [{ email: 'grace@example.com', displayName: 'Grace' }],
  };
}

/** What the gateway does: RequestMeeting. Returns the MeetingRequested the bridge recorded, opened. */
async function requestMeeting(userId: string, organizerEmail: string) {
  const data = meetingRequestData(userId, organizerEmail);
  const answer = await send(RequestMeeting, {
    tenantId,
    trace: { correlationId: `request-${data.meetingId}`, causationId: null, traceparent: null },
    data,
  });
  expect(answer.outcome).toBe('requested');
  return MeetingRequested.parse((await meetingEvents(data.meetingId))[0]) as EventOf<typeof MeetingRequested>;
}

/** What google-ingest appends (sealed) for the calendar event that carries the meeting's conference. */
async function appendCalendarChange(
  request: EventEnvelope<'MeetingRequested', DataOf<typeof MeetingRequested>>,
  organizerEmail: string,
  data: Record<string, unknown>,
) {
  const { userId, calendarId, eventId, meetingId } = request.data;
  const change = createEvent(CalendarEventChanged, {
    streamId: `calendarEvent-${userId}.${eventId}`,
    tenantId,
    data: {
      userId,
      calendarId,
      eventId,
      conference: { meetingId, conferenceId: '1' },
      ...(data.change === 'cancelled'
        ? {}
        : {
            iCalUID: `${eventId}@google.com`,
            organizedByUser: true,
            title: request.data.title,
            start: request.data.start,
            end: request.data.end,
            timeZone: request.data.timeZone,
            attendees: [{ email: organizerEmail }, ...request.data.invitees],
            organizerEmail,
            updatedAt: new Date().toISOString(),
          }),
      ...data,
    } as never,
  });
  await store.append(change.streamId, [envelopeToEventToAppend(await codec.encode(change))], 'any');
  return change;
}

const liveWebexMeetingsTagged = (tag: string) =>
  [...emulator.state.meetings.values()].filter(
    (meeting) => meeting.deletedAtMs === undefined && meeting.integrationTags.includes(tag),
  );

/** Deliveries our consumer answered with a nak (a handler threw). */
async function nakCount(): Promise<number> {
  const metric = await app
    .get(MetricsRegistry)
    .registry.getSingleMetric('scheduler_bus_consumer_handled_total')
    ?.get();
  return (metric?.values ?? [])
    .filter((value) => value.labels.outcome === 'nakked' && value.labels.group === service)
    .reduce((sum, value) => sum + value.value, 0);
}

const meetingRequests = (method: string, webexMeetingId: string) =>
  emulator.requests.list({ method, pathPrefix: `/v1/meetings/${webexMeetingId}` });

// Specifications

describe('webex-bridge wired over NATS', () => {
  it('connects a Webex account through ExchangeWebexAuthorizationCode over request/reply', async () => {
    const { userId, answer } = await connectedUser();
    expect(answer).toEqual({ userId, connected: true });
    expect(await readTypes(webexAccountStreamId(userId))).toEqual([
      'WebexAccountConnected',
      'WebexSiteResolved',
    ]);
  });

  it('creates, updates and deletes the Webex meeting from events appended to the store', async () => {
    const { email, userId } = await connectedUser();

    // MeetingRequested → relay → JetStream → handler → Webex create → MeetingScheduled.
    const request = await requestMeeting(userId, email);
    const meetingId = request.data.meetingId;
    await eventually(async () => {
      expect((await meetingEvents(meetingId)).map((event) => event.type)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
      ]);
    }, 20_000);
    const [created] = liveWebexMeetingsTagged(meetingId);
    expect(created).toBeDefined();
    expect(created!.title).toBe('Design review');
    const scheduled = (await meetingEvents(meetingId))[1]!;
    expect(scheduled.causationId).toBe(request.id);
    expect(scheduled.correlationId).toBe(request.correlationId);

    // A new time in the calendar → one PATCH with the whole desired state → MeetingUpdated.
    const moved = futureTimes(4, 45);
    await appendCalendarChange(request, email, { change: 'updated', ...moved });
    await eventually(async () => {
      expect((await meetingEvents(meetingId)).map((event) => event.type)).toContain('MeetingUpdated');
    }, 20_000);
    expect(meetingRequests('PATCH', created!.id)).toHaveLength(1);
    expect(emulator.state.meetings.get(created!.id)!.startMs).toBe(Date.parse(moved.start));

    // What the store holds is sealed: no title, invitee or Webex password in plaintext.
    const raw = await store.readStream(meetingStreamId(meetingId));
    const [storedRequest, storedScheduled, storedChange, storedUpdate] = raw;
    expect([storedRequest!.type, storedChange!.type, storedUpdate!.type]).toEqual([
      'MeetingRequested',
      'MeetingChangeRequested',
      'MeetingUpdated',
    ]);
    for (const record of [storedRequest!, storedChange!, storedUpdate!]) {
      expect(isSealedValue(record.data.title)).toBe(true);
      expect(isSealedValue(record.data.invitees)).toBe(true);
    }
    expect(isSealedValue(storedScheduled!.data.password)).toBe(true);
    const storedText = JSON.stringify(raw.map((record) => record.data));
    expect(storedText).not.toContain('Design review');
    expect(storedText).not.toContain('grace@example.com');
    expect((await meetingEvents(meetingId))[2]!.data).toMatchObject({ title: 'Design review' });

    // Cancelled in the calendar → Webex DELETE → MeetingCancelled; the Webex meeting is gone.
    await appendCalendarChange(request, email, { change: 'cancelled' });
    await eventually(async () => {
      expect((await meetingEvents(meetingId)).map((event) => event.type)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
        'MeetingChangeRequested',
        'MeetingUpdated',
        'MeetingCancellationRequested',
        'MeetingCancelled',
      ]);
    }, 20_000);
    expect(liveWebexMeetingsTagged(meetingId)).toEqual([]);
    expect(meetingRequests('DELETE', created!.id)).toHaveLength(1);
    expect(meetingRequests('PATCH', created!.id)).toHaveLength(1);
  }, 90_000);

  // It used to be nak'ed and redelivered until the meeting existed; now it waits for the create's
  // row lock, is recorded as the desired state and applied right after.
  it('a change that overtakes the create waits for it under the meeting lock, then is applied once', async () => {
    const { email, userId } = await connectedUser();
    const naksBefore = await nakCount();
    // A slow create, so that the change is sure to arrive while the meeting is still requested.
    emulator.faults.add({ method: 'POST', pathPrefix: '/v1/meetings', latencyMs: 1_500, times: 1 });
    const request = await requestMeeting(userId, email);
    const meetingId = request.data.meetingId;
    // Different streams (meeting-… and calendarEvent-…): nothing orders these two deliveries.
    const moved = futureTimes(5, 60);
    await appendCalendarChange(request, email, { change: 'updated', ...moved });

    await eventually(async () => {
      // The change is recorded before or after the create, whichever took the lock first.
      expect((await meetingEvents(meetingId)).map((event) => event.type).sort()).toEqual([
        'MeetingChangeRequested',
        'MeetingRequested',
        'MeetingScheduled',
        'MeetingUpdated',
      ]);
    }, 30_000);
    const [created] = liveWebexMeetingsTagged(meetingId);
    expect(
      emulator.requests
        .list({ method: 'POST', pathPrefix: '/v1/meetings' })
        .filter((entry) => entry.path === '/v1/meetings' && entry.status < 300)
        .filter((entry) =>
          (entry.body as { integrationTags?: string[] }).integrationTags?.includes(meetingId),
        ),
    ).toHaveLength(1);
    expect(meetingRequests('PATCH', created!.id)).toHaveLength(1);
    expect(emulator.state.meetings.get(created!.id)!.startMs).toBe(Date.parse(moved.start));
    // Nothing was nak'ed: the change waited for the lock instead of going back to the transport.
    expect(await nakCount()).toBe(naksBefore);
  }, 60_000);

  it("google-ingest's directory site overrides the account's site, and our own event coming back changes nothing", async () => {
    const { userId } = await connectedUser([
      { siteUrl: 'acme.webex.com', default: true },
      { siteUrl: 'hq.webex.com' },
    ]);
    await eventually(
      async () => expect(await readTypes(webexAccountStreamId(userId))).toHaveLength(2),
      10_000,
    );
    // google-ingest records the directory's site on the user's Google account stream.
    const fromDirectory = createEvent(DirectoryWebexSiteChanged, {
      streamId: `googleAccount-${userId}`,
      tenantId,
      data: { userId, siteUrl: 'hq.webex.com' },
    });
    await store.append(fromDirectory.streamId, [envelopeToEventToAppend(fromDirectory)], 'any');

    const cachedSite = async () => {
      const { rows } = await privateDatabase.query<{ site_url: string; site_source: string }>(
        'SELECT site_url, site_source FROM webex_accounts WHERE user_id = $1',
        [userId],
      );
      return rows[0];
    };
    await eventually(
      async () => expect(await cachedSite()).toEqual({ site_url: 'hq.webex.com', site_source: 'directory' }),
      20_000,
    );
    const templateReads = () =>
      emulator.requests
        .list({ method: 'GET', pathPrefix: '/v1/meetings/templates' })
        .filter((entry) => JSON.stringify(entry.query).includes('hq.webex.com'));
    expect(templateReads()).toHaveLength(1);
    // The site is cached before it is recorded: wait for the fact on the account stream.
    await eventually(async () => {
      const resolved = (await store.readStream(webexAccountStreamId(userId))).filter(
        (record) => record.type === 'WebexSiteResolved',
      );
      expect(resolved.at(-1)!.data).toMatchObject({ siteUrl: 'hq.webex.com', source: 'directory' });
    }, 10_000);
    // Whatever the bridge appended for it travels the bus: give it time to come round, then
    // nothing more must have been read or appended (no loop).
    const typesAfterResolve = await readTypes(webexAccountStreamId(userId));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(templateReads()).toHaveLength(1);
    expect(await readTypes(webexAccountStreamId(userId))).toEqual(typesAfterResolve);

    // Meetings are created there, with the site's default meeting template.
    const request = await requestMeeting(userId, 'organizer@example.com');
    await eventually(
      async () => expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(1),
      20_000,
    );
    const [created] = liveWebexMeetingsTagged(request.data.meetingId);
    const hqTemplate = emulator.state.templates.find(
      (template) =>
        template.siteUrl === 'hq.webex.com' && template.isDefault && template.templateType === 'meeting',
    );
    expect(hqTemplate).toBeDefined();
    expect(created).toMatchObject({ siteUrl: 'hq.webex.com', templateId: hqTemplate!.id });
  }, 60_000);
});

describe('the meeting commands over NATS request/reply', () => {
  const userId = newUserId();
  // The user has no Webex account: the lifecycle's own answer to each request (the meeting
  // waits for the user to connect Webex) is not what these commands recorded.
  const recordedFacts = (events: EventEnvelope[]) =>
    events.filter(
      (event) => event.type !== 'MeetingSchedulingFailed' && event.type !== 'MeetingReconnectRequired',
    );
  const trace = (correlationId: string, causationId: string | null = null) => ({
    correlationId,
    causationId,
    traceparent,
  });

  /**
   * A meeting requested by RequestMeeting, for a user without a Webex account: the lifecycle
   * records MeetingSchedulingFailed for it, which these tests leave aside.
   */
  async function requestedMeeting() {
    const data = meetingRequestData(userId, 'ada@example.com');
    expect(
      await send(RequestMeeting, { tenantId, trace: trace(`request-${data.meetingId}`), data }),
    ).toMatchObject({ outcome: 'requested' });
    return data.meetingId;
  }

  it('RequestMeeting records MeetingRequested as given, sealed, with its trace; a second request is already-requested', async () => {
    const data = meetingRequestData(userId, 'ada@example.com');
    const causationId = newUuidV7();

    const answer = await send(RequestMeeting, {
      tenantId,
      trace: trace('gateway-request-1', causationId),
      data,
    });

    const [record] = await store.readStream(meetingStreamId(data.meetingId));
    expect(answer).toEqual({ outcome: 'requested', position: positionToString(record!.position) });
    expect(record!.type).toBe('MeetingRequested');
    expect(isSealedValue(record!.data.title)).toBe(true);
    expect(isSealedValue(record!.data.invitees)).toBe(true);
    const [requested] = await meetingEvents(data.meetingId);
    expect(requested).toMatchObject({
      streamId: meetingStreamId(data.meetingId),
      tenantId,
      correlationId: 'gateway-request-1',
      causationId,
      traceparent,
      data,
    });

    // The same meeting id again (a retried request, another replica): nothing more is recorded.
    expect(
      await send(RequestMeeting, {
        tenantId,
        trace: trace('gateway-request-2'),
        data: { ...data, title: 'Other' },
      }),
    ).toEqual({ outcome: 'already-requested' });
    const requests = (await meetingEvents(data.meetingId)).filter(
      (event) => event.type === 'MeetingRequested',
    );
    expect(requests.map((event) => event.data)).toEqual([data]);
  });

  it('RecordConferenceAttached records once per event and conference; an unknown meeting is gone', async () => {
    const meetingId = await requestedMeeting();
    const attached = {
      meetingId,
      calendarId: 'ada@example.com',
      eventId: 'attached1',
      conferenceId: '2581234567',
    };
    const causationId = newUuidV7();

    expect(
      await send(RecordConferenceAttached, {
        tenantId,
        trace: trace('ingest-1', causationId),
        data: attached,
      }),
    ).toEqual({ outcome: 'recorded' });
    expect(
      await send(RecordConferenceAttached, { tenantId, trace: trace('ingest-2'), data: attached }),
    ).toEqual({ outcome: 'already-recorded' });
    expect(
      await send(RecordConferenceAttached, {
        tenantId,
        trace: trace('ingest-3'),
        data: { ...attached, meetingId: newUuidV7() },
      }),
    ).toEqual({ outcome: 'meeting-gone' });

    const events = recordedFacts(await meetingEvents(meetingId));
    expect(events.map((event) => event.type)).toEqual(['MeetingRequested', 'ConferenceAttached']);
    expect(events[1]).toMatchObject({ correlationId: 'ingest-1', causationId, traceparent, data: attached });
  });

  it('EndMeeting and RecordMeetingDataPurged record once each; a missing or tombstoned meeting is gone', async () => {
    const meetingId = await requestedMeeting();
    const ended = { meetingId, endedAt: new Date().toISOString(), source: 'scheduled-end' as const };
    const purged = { meetingId, purgedAt: new Date().toISOString(), retentionAfterEndSeconds: 0 };
    const timerId = newUuidV7();

    expect(await send(EndMeeting, { tenantId, trace: trace('retention-1', timerId), data: ended })).toEqual({
      outcome: 'recorded',
    });
    expect(await send(EndMeeting, { tenantId, trace: trace('retention-2', timerId), data: ended })).toEqual({
      outcome: 'already-recorded',
    });
    expect(
      await send(RecordMeetingDataPurged, { tenantId, trace: trace('retention-3', timerId), data: purged }),
    ).toEqual({ outcome: 'recorded' });
    expect(
      await send(RecordMeetingDataPurged, { tenantId, trace: trace('retention-4', timerId), data: purged }),
    ).toEqual({ outcome: 'already-recorded' });
    // An EndMeeting retried after the purge still finds its fact recorded.
    expect(await send(EndMeeting, { tenantId, trace: trace('retention-5', timerId), data: ended })).toEqual({
      outcome: 'already-recorded',
    });
    const events = await meetingEvents(meetingId);
    expect(events.map((event) => event.type)).toEqual([
      'MeetingRequested',
      'MeetingEnded',
      'MeetingDataPurged',
    ]);
    expect(events[1]).toMatchObject({ correlationId: 'retention-1', causationId: timerId, data: ended });
    expect(events[2]).toMatchObject({ correlationId: 'retention-3', causationId: timerId, data: purged });

    const missing = newUuidV7();
    expect(
      await send(EndMeeting, {
        tenantId,
        trace: trace('retention-6'),
        data: { ...ended, meetingId: missing },
      }),
    ).toEqual({ outcome: 'meeting-gone' });
    expect(
      await send(RecordMeetingDataPurged, {
        tenantId,
        trace: trace('retention-7'),
        data: { ...purged, meetingId: missing },
      }),
    ).toEqual({ outcome: 'meeting-gone' });

    // Tombstoned (deleted for good): every command finds the meeting gone, and a new request
    // for its id is refused.
    await store.tombstoneStream(meetingStreamId(meetingId), 'any');
    expect(await send(EndMeeting, { tenantId, trace: trace('retention-8'), data: ended })).toEqual({
      outcome: 'meeting-gone',
    });
    expect(
      await send(RecordMeetingDataPurged, { tenantId, trace: trace('retention-9'), data: purged }),
    ).toEqual({
      outcome: 'meeting-gone',
    });
    expect(
      await send(RecordConferenceAttached, {
        tenantId,
        trace: trace('ingest-4'),
        data: { meetingId, calendarId: 'ada@example.com', eventId: 'late1', conferenceId: '1' },
      }),
    ).toEqual({ outcome: 'meeting-gone' });
    expect(
      await send(RequestMeeting, {
        tenantId,
        trace: trace('gateway-request-3'),
        data: { ...meetingRequestData(userId, 'ada@example.com'), meetingId },
      }),
    ).toEqual({ outcome: 'already-requested' });
  });

  it('a malformed command is answered with an error and records nothing', async () => {
    const meetingId = newUuidV7();
    // The client validates too: bypass it to send what a broken caller could.
    const nats = app.get<NatsConnection>(NATS_CONNECTION);
    const reply = await nats.request(
      commandSubject(names, RequestMeeting),
      JSON.stringify({ tenantId, trace: trace('broken-1'), data: { meetingId, title: 'no times' } }),
      { timeout: 5_000 },
    );
    expect(reply.json<{ error?: { name: string } }>().error?.name).toBe('ContractViolationError');
    expect(await readTypes(meetingStreamId(meetingId))).toEqual([]);
  });
});
