import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { busNames, eventSubject } from '@scheduler/bus';
import {
  MeetingCancelled,
  MeetingDataPurged,
  MeetingEnded,
  MeetingRequested,
  MeetingScheduled,
  MeetingUpdated,
  TenantSettingsChanged,
  createEvent,
  exampleUserId,
  newUuidV7,
  type EventEnvelope,
  type EventOf,
} from '@scheduler/contracts';
import {
  PersonalDataCodec,
  REDACTED_FORGOTTEN,
  meetingSubject,
  type DataKeyStore,
} from '@scheduler/crypto-shredding';
import { createWebexEmulator, developmentClient, type WebexEmulator } from '@scheduler/emulators';
import {
  type EventStore,
  StreamNotFoundError,
  envelopeToEventToAppend,
  recordedEventToEnvelope,
} from '@scheduler/event-store';
import { DATA_KEY_STORE, EVENT_STORE, MetricsRegistry, createServiceApp } from '@scheduler/runtime';
import {
  eventually,
  isolatedSchema,
  startServiceProcess,
  testInfrastructure,
  uniqueName,
  type IsolatedSchema,
  type ServiceProcess,
} from '@scheduler/testing';
import pg from 'pg';
import { RetentionModule } from '../app.module.js';
import { retentionEnvironment, type RetentionConfig } from '../config.js';
import type { Clock } from './meeting-retention.js';
import { MeetingTimersHandlers, openEndedSeriesEnd } from './meeting-timers.handlers.js';

// The wired service in-process over the real bus, with the real webex-bridge as a process: the
// meeting stream's one writer, which records MeetingEnded and MeetingDataPurged when retention
// asks (EndMeeting, RecordMeetingDataPurged), and whose relay publishes the meeting events that
// arm retention's timers. The tests append a scheduled meeting's first events themselves, as the
// bridge would have, so that it has nothing to do with Webex for them.
//
// Isolation on the shared nats-server: BUS_PREFIX gives this file streams and subjects of its
// own (deleted afterwards), and the service runs under a unique name (durable consumer).
//
// Time: the first test waits for a real end two seconds ahead; the others move the service's
// clock forward instead of waiting for ends hours away.

const defaultTenant = 'demo.example';
const slowTenant = 'slow.example';
const slowTenantSeconds = 600;
const service = uniqueName('retention').replace(/_/g, '-');
const names = busNames(uniqueName('retention_wiring'));

/** The real time, moved forward by what the test skipped. */
class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(milliseconds: number): void {
    this.offsetMs += milliseconds;
  }
}

const clock = new TestClock();
let eventStoreSchema: IsolatedSchema;
let privateSchema: IsolatedSchema;
let keyStoreSchema: IsolatedSchema;
let app: INestApplication;
let store: EventStore;
let codec: PersonalDataCodec;
let dataKeys: DataKeyStore;
let bridgeSchema: IsolatedSchema;
let webex: WebexEmulator;
let webexBridge: ServiceProcess | undefined;
let privateDatabase: pg.Pool;
let relayConnection: NatsConnection;
let config: RetentionConfig;

/** Boots the service (again, for a restart): same name, so the same consumer and relay checkpoint. */
async function startApp(): Promise<void> {
  app = await createServiceApp(
    {
      service,
      environment: retentionEnvironment,
      module: (validated) => RetentionModule.forRoot(validated, { service, clock }),
      consumesEvents: true,
    },
    config,
  );
  await app.startAllMicroservices();
  await app.init();
  store = app.get<EventStore>(EVENT_STORE);
  codec = app.get(PersonalDataCodec);
  dataKeys = app.get<DataKeyStore>(DATA_KEY_STORE);
}

beforeAll(async () => {
  [eventStoreSchema, privateSchema, keyStoreSchema, bridgeSchema] = await Promise.all([
    isolatedSchema('retention_events'),
    isolatedSchema('retention_private'),
    isolatedSchema('retention_keys'),
    isolatedSchema('retention_bridge'),
  ]);
  // One event store, bus prefix and data-key store for retention and webex-bridge, as deployed.
  const shared = {
    NATS_URL: testInfrastructure().natsUrl,
    EVENT_STORE_URL: eventStoreSchema.connectionString,
    KEY_STORE_URL: keyStoreSchema.connectionString,
    KEY_ENCRYPTION_KEY: `test-kek:${randomBytes(32).toString('base64')}`,
    BUS_PREFIX: names.prefix,
  };
  webex = createWebexEmulator({ sweepIntervalMs: 0 });
  await webex.listen(0, '127.0.0.1');
  webexBridge = await startServiceProcess(
    { name: 'webex-bridge', main: new URL('../../../webex-bridge/src/main.ts', import.meta.url) },
    {
      ...shared,
      DATABASE_URL: bridgeSchema.connectionString,
      WEBEX_API_BASE_URL: `${webex.url}/v1`,
      WEBEX_CLIENT_ID: developmentClient.clientId,
      WEBEX_CLIENT_SECRET: developmentClient.clientSecret,
      WEBEX_REDIRECT_URI: 'http://127.0.0.1/oauth/webex/callback',
      LOG_LEVEL: 'warn',
    },
  );
  await webexBridge.waitUntilReady(60_000);
  config = retentionEnvironment.parse({
    ...shared,
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: privateSchema.connectionString,
    RETENTION_POLICIES: `${slowTenant}=${slowTenantSeconds}`,
    RETENTION_TIMER_INTERVAL_MS: '100',
  });
  await startApp();
  privateDatabase = new pg.Pool({ connectionString: privateSchema.connectionString, max: 2 });
  relayConnection = await connect({ servers: testInfrastructure().natsUrl });
}, 90_000);

afterAll(async () => {
  await relayConnection?.close();
  await privateDatabase?.end();
  await app?.close();
  await webexBridge?.stop();
  await webex?.close();
  // The app's connection is closed by now: remove this file's streams over one of our own.
  const nats = await connect({ servers: testInfrastructure().natsUrl });
  try {
    const jsm = await jetstreamManager(nats);
    for (const stream of [names.eventStream, names.deadLetterStream, names.checkpointStream])
      await jsm.streams.delete(stream).catch(() => undefined);
  } finally {
    await nats.close();
  }
  await Promise.all([
    eventStoreSchema?.drop(),
    privateSchema?.drop(),
    keyStoreSchema?.drop(),
    bridgeSchema?.drop(),
  ]);
}, 60_000);

// Helpers

const meetingStreamId = (meetingId: string) => `meeting-${meetingId}`;

/** Appends as the meeting's writer does: personal fields sealed under the meeting's key. */
async function append(...events: EventEnvelope[]): Promise<void> {
  const sealed = await Promise.all(events.map((event) => codec.encode(event)));
  await store.append(events[0]!.streamId, sealed.map(envelopeToEventToAppend), 'any');
}

/** What webex-bridge records: a meeting requested to end at `end` (half an hour long), then scheduled. */
async function requestMeeting(end: Date, tenantId = defaultTenant, recurrence?: string[]) {
  const meetingId = newUuidV7();
  const request = createEvent(MeetingRequested, {
    streamId: meetingStreamId(meetingId),
    tenantId,
    correlationId: `journey-${meetingId}`,
    data: {
      meetingId,
      userId: exampleUserId,
      source: 'calendar',
      calendarId: 'ada@demo.example',
      title: 'Design review',
      start: new Date(end.getTime() - 30 * 60_000).toISOString(),
      end: end.toISOString(),
      timeZone: 'Europe/Berlin',
      invitees: [{ email: 'grace@demo.example', displayName: 'Grace' }],
      ...(recurrence ? { recurrence } : {}),
    },
  });
  const scheduled = createEvent(MeetingScheduled, {
    streamId: request.streamId,
    tenantId,
    cause: request,
    data: {
      meetingId,
      webexMeetingId: 'webex-meeting-1',
      meetingNumber: '2551234567',
      siteUrl: 'demo.webex.com',
      webLink: 'https://demo.webex.com/demo/j.php?MTID=m0123456789abcdef0123456789abcdef',
      sipAddress: '2551234567@demo.webex.com',
      password: 'Xy7pQ2mn',
    },
  });
  // One append: the bridge, which sees the request on the bus, finds it scheduled already.
  await append(request, scheduled);
  return request;
}

/** What webex-bridge appends when the calendar moved the meeting. */
function meetingUpdate(request: EventOf<typeof MeetingRequested>, end: Date, occurredAt = new Date()) {
  return createEvent(MeetingUpdated, {
    streamId: request.streamId,
    tenantId: request.tenantId,
    cause: request,
    occurredAt,
    data: {
      meetingId: request.data.meetingId,
      webexMeetingId: 'webex-meeting-1',
      title: 'Design review (moved)',
      start: new Date(end.getTime() - 30 * 60_000).toISOString(),
      end: end.toISOString(),
      timeZone: 'Europe/Berlin',
      invitees: [{ email: 'grace@demo.example' }],
      changed: ['time'],
    },
  });
}

async function streamTypes(meetingId: string): Promise<string[]> {
  try {
    return (await store.readStream(meetingStreamId(meetingId))).map((record) => record.type);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
}

/** The meeting's events as a consumer reads them: opened with the key, or redacted without it. */
async function decodedEvents(meetingId: string) {
  const recorded = await store.readStream(meetingStreamId(meetingId));
  return Promise.all(recorded.map((record) => codec.decode(recordedEventToEnvelope(record))));
}

interface TimerRow {
  state: string;
  ends_at: Date;
  purge_at: Date;
  due_at: Date | null;
  correlation_id: string;
}

async function timerRow(meetingId: string): Promise<TimerRow | undefined> {
  const { rows } = await privateDatabase.query<TimerRow>(
    'SELECT state, ends_at, purge_at, due_at, correlation_id FROM retention_meeting_timers WHERE meeting_id = $1',
    [meetingId],
  );
  return rows[0];
}

/** Long enough for several loop passes (every 100 ms) on a busy machine. */
const severalPasses = () => new Promise((resolve) => setTimeout(resolve, 1_500));

async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await app.get(MetricsRegistry).registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))
    .reduce((sum, value) => sum + value.value, 0);
}

// Specifications

describe('retention wired over NATS', () => {
  let purgedMeeting: EventOf<typeof MeetingRequested>;

  it('ends a meeting at its scheduled end, forgets its key and records both, in the journey', async () => {
    const purgesBefore = await counter('scheduler_retention_meetings_purged_total', { outcome: 'appended' });
    // What other services will see: retention's relay publishes both events to JetStream.
    const published: string[] = [];
    const subscriptions = [MeetingEnded, MeetingDataPurged].map((contract) =>
      relayConnection.subscribe(eventSubject(names, contract), {
        callback: (_error, message) => {
          published.push(message.headers?.get('Nats-Msg-Id') ?? '?');
        },
      }),
    );
    const end = new Date(clock.now().getTime() + 2_000);
    const request = await requestMeeting(end);
    const meetingId = request.data.meetingId;
    purgedMeeting = request;

    // Before the end the title opens for anyone holding the keys.
    const [before] = await decodedEvents(meetingId);
    expect((before!.event.data as { title: unknown }).title).toBe('Design review');
    await eventually(async () => expect((await timerRow(meetingId))?.state).toBe('scheduled'), 10_000);

    await eventually(async () => {
      expect(await streamTypes(meetingId)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
        'MeetingEnded',
        'MeetingDataPurged',
      ]);
    }, 20_000);
    const [requested, , ended, purged] = await decodedEvents(meetingId);
    expect(ended!.event).toMatchObject({
      tenantId: defaultTenant,
      correlationId: request.correlationId,
      causationId: request.id,
      data: { meetingId, endedAt: end.toISOString(), source: 'scheduled-end' },
    });
    expect(Date.parse(ended!.event.occurredAt)).toBeGreaterThanOrEqual(end.getTime());
    expect(purged!.event).toMatchObject({
      correlationId: request.correlationId,
      causationId: request.id,
      data: { meetingId, retentionAfterEndSeconds: 0 },
    });

    // The purge is the key's destruction: the stored request can no longer be opened.
    expect(await dataKeys.get(meetingSubject(meetingId))).toMatchObject({ state: 'forgotten' });
    expect(requested!.redacted).toEqual(expect.arrayContaining(['data.title', 'data.invitees']));
    expect(requested!.event.data).toMatchObject({
      meetingId,
      title: REDACTED_FORGOTTEN,
      invitees: REDACTED_FORGOTTEN,
      end: end.toISOString(),
    });
    await eventually(
      async () =>
        expect(await timerRow(meetingId)).toMatchObject({
          state: 'purged',
          due_at: null,
          correlation_id: request.correlationId,
        }),
      10_000,
    );
    expect(await counter('scheduler_retention_meetings_purged_total', { outcome: 'appended' })).toBe(
      purgesBefore + 1,
    );
    await eventually(() => expect(published).toEqual([ended!.event.id, purged!.event.id]), 10_000);
    for (const subscription of subscriptions) subscription.unsubscribe();
  }, 40_000);

  it('a redelivered request does not re-arm a purged meeting, and a lost timer update appends nothing twice', async () => {
    const meetingId = purgedMeeting.data.meetingId;
    const handlers = app.get(MeetingTimersHandlers);
    // Redelivery, as the transport would hand it over (the title is redacted by now).
    const [redelivered] = await decodedEvents(meetingId);
    await handlers.meetingRequested(redelivered!.event as EventOf<typeof MeetingRequested>);
    await eventually(async () => expect((await timerRow(meetingId))?.state).toBe('purged'), 10_000);

    const alreadyRecordedBefore = await counter('scheduler_retention_meetings_purged_total', {
      outcome: 'already-recorded',
    });
    // A crash after the appends but before the row's update: the row is due again from the start.
    await privateDatabase.query(
      `UPDATE retention_meeting_timers SET state = 'scheduled', due_at = ends_at WHERE meeting_id = $1`,
      [meetingId],
    );
    await eventually(async () => expect((await timerRow(meetingId))?.state).toBe('purged'), 10_000);
    expect(await streamTypes(meetingId)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
      'MeetingEnded',
      'MeetingDataPurged',
    ]);
    // The loop did run the steps again, and found them recorded.
    expect(await counter('scheduler_retention_meetings_purged_total', { outcome: 'already-recorded' })).toBe(
      alreadyRecordedBefore + 1,
    );
  }, 20_000);

  it('a MeetingUpdated moving the end later re-arms the timer; an older one arriving late changes nothing', async () => {
    const hour = 3_600_000;
    const requestedEnd = new Date(clock.now().getTime() + hour);
    const request = await requestMeeting(requestedEnd);
    const meetingId = request.data.meetingId;
    await eventually(async () => expect((await timerRow(meetingId))?.ends_at).toEqual(requestedEnd), 10_000);

    const movedEnd = new Date(requestedEnd.getTime() + hour);
    const staleUpdate = meetingUpdate(request, new Date(requestedEnd.getTime() - hour / 2));
    const update = meetingUpdate(request, movedEnd, new Date(Date.parse(staleUpdate.occurredAt) + 1));
    await append(update);
    await eventually(async () => expect((await timerRow(meetingId))?.ends_at).toEqual(movedEnd), 10_000);
    // The older update, delivered after the newer one (a nak sent it to the back).
    await app.get(MeetingTimersHandlers).meetingUpdated(staleUpdate);
    expect(await timerRow(meetingId)).toMatchObject({ state: 'scheduled', ends_at: movedEnd });

    // The first end passes: nothing happens.
    clock.advance(hour + 60_000);
    await severalPasses();
    expect(await streamTypes(meetingId)).toEqual(['MeetingRequested', 'MeetingScheduled', 'MeetingUpdated']);

    // The moved end passes: it ends then, and is purged right after (the default policy).
    clock.advance(hour);
    await eventually(async () => {
      expect(await streamTypes(meetingId)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
        'MeetingUpdated',
        'MeetingEnded',
        'MeetingDataPurged',
      ]);
    }, 20_000);
    const events = await decodedEvents(meetingId);
    expect(events[3]!.event).toMatchObject({
      causationId: update.id,
      correlationId: request.correlationId,
      data: { endedAt: movedEnd.toISOString() },
    });
    expect((events[2]!.event.data as { title: unknown }).title).toEqual(REDACTED_FORGOTTEN);
  }, 40_000);

  it('a series is kept until its last occurrence has ended; an open-ended one until it gets an end', async () => {
    const hour = 3_600_000;
    const day = 24 * hour;
    const firstEnd = new Date(clock.now().getTime() + hour);
    const series = await requestMeeting(firstEnd, defaultTenant, ['RRULE:FREQ=DAILY;COUNT=3']);
    const lastEnd = new Date(firstEnd.getTime() + 2 * day);
    await eventually(
      async () => expect((await timerRow(series.data.meetingId))?.ends_at).toEqual(lastEnd),
      10_000,
    );

    const openEnded = await requestMeeting(firstEnd, defaultTenant, ['RRULE:FREQ=DAILY']);
    await eventually(
      async () => expect((await timerRow(openEnded.data.meetingId))?.ends_at).toEqual(openEndedSeriesEnd),
      10_000,
    );
    // The calendar ends the open series after its second occurrence ("this and following").
    const ended = createEvent(MeetingUpdated, {
      streamId: openEnded.streamId,
      tenantId: openEnded.tenantId,
      cause: openEnded,
      data: {
        meetingId: openEnded.data.meetingId,
        webexMeetingId: 'webex-meeting-1',
        title: 'Design review',
        start: openEnded.data.start,
        end: openEnded.data.end,
        timeZone: 'Europe/Berlin',
        invitees: [{ email: 'grace@demo.example' }],
        recurrence: ['RRULE:FREQ=DAILY;COUNT=2'],
        changed: ['recurrence'],
      },
    });
    await append(ended);
    const secondEnd = new Date(firstEnd.getTime() + day);
    await eventually(
      async () => expect((await timerRow(openEnded.data.meetingId))?.ends_at).toEqual(secondEnd),
      10_000,
    );

    // The first occurrence ends: both series keep their data.
    clock.advance(hour + 60_000);
    await severalPasses();
    expect(await streamTypes(series.data.meetingId)).toEqual(['MeetingRequested', 'MeetingScheduled']);
    // After the last occurrence: ended and purged.
    clock.advance(2 * day);
    await eventually(async () => {
      expect(await streamTypes(series.data.meetingId)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
        'MeetingEnded',
        'MeetingDataPurged',
      ]);
      expect((await streamTypes(openEnded.data.meetingId)).slice(-2)).toEqual([
        'MeetingEnded',
        'MeetingDataPurged',
      ]);
    }, 20_000);
  }, 40_000);

  it('a cancelled meeting is purged from its cancellation on, without ever ending', async () => {
    const request = await requestMeeting(new Date(clock.now().getTime() + 24 * 3_600_000));
    const meetingId = request.data.meetingId;
    await eventually(async () => expect((await timerRow(meetingId))?.state).toBe('scheduled'), 10_000);
    const cancellation = createEvent(MeetingCancelled, {
      streamId: request.streamId,
      tenantId: request.tenantId,
      cause: request,
      data: { meetingId, reason: 'event-deleted' },
    });
    await append(cancellation);
    await eventually(async () => {
      expect(await streamTypes(meetingId)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
        'MeetingCancelled',
        'MeetingDataPurged',
      ]);
    }, 20_000);
    const [requested, , , purged] = await decodedEvents(meetingId);
    expect(purged!.event).toMatchObject({
      causationId: cancellation.id,
      correlationId: request.correlationId,
    });
    expect((requested!.event.data as { title: unknown }).title).toEqual(REDACTED_FORGOTTEN);
    await eventually(async () => expect((await timerRow(meetingId))?.state).toBe('purged'), 10_000);
  }, 30_000);

  it('a meeting that Webex reports ended is purged from its real end, not its scheduled one', async () => {
    const request = await requestMeeting(new Date(clock.now().getTime() + 24 * 3_600_000));
    const meetingId = request.data.meetingId;
    await eventually(async () => expect((await timerRow(meetingId))?.state).toBe('scheduled'), 10_000);
    // What webex-bridge records from Webex's `ended` notification.
    const realEnd = createEvent(MeetingEnded, {
      streamId: request.streamId,
      tenantId: request.tenantId,
      data: { meetingId, endedAt: clock.now().toISOString(), source: 'webex-webhook' },
    });
    await append(realEnd);
    await eventually(async () => {
      expect(await streamTypes(meetingId)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
        'MeetingEnded',
        'MeetingDataPurged',
      ]);
    }, 20_000);
    const [requested, , , purged] = await decodedEvents(meetingId);
    expect(purged!.event).toMatchObject({ causationId: realEnd.id, correlationId: realEnd.correlationId });
    expect((requested!.event.data as { title: unknown }).title).toEqual(REDACTED_FORGOTTEN);
    const timer = await timerRow(meetingId);
    expect(timer).toMatchObject({ state: 'purged' });
    expect(timer!.ends_at.toISOString()).toBe(realEnd.data.endedAt);
  }, 30_000);

  it("a tenant's own policy keeps the data that long after the end", async () => {
    const end = new Date(clock.now().getTime() + 1_000);
    const request = await requestMeeting(end, slowTenant);
    const meetingId = request.data.meetingId;
    await eventually(async () => {
      expect(await streamTypes(meetingId)).toEqual(['MeetingRequested', 'MeetingScheduled', 'MeetingEnded']);
    }, 20_000);
    await eventually(
      async () =>
        expect(await timerRow(meetingId)).toMatchObject({
          state: 'ended',
          purge_at: new Date(end.getTime() + slowTenantSeconds * 1000),
        }),
      10_000,
    );
    await severalPasses();
    expect(await streamTypes(meetingId)).toEqual(['MeetingRequested', 'MeetingScheduled', 'MeetingEnded']);
    const [stillOpen] = await decodedEvents(meetingId);
    expect((stillOpen!.event.data as { title: unknown }).title).toBe('Design review');

    clock.advance(slowTenantSeconds * 1000);
    await eventually(async () => {
      expect(await streamTypes(meetingId)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
        'MeetingEnded',
        'MeetingDataPurged',
      ]);
    }, 20_000);
    const [requested, , , purged] = await decodedEvents(meetingId);
    expect(purged!.event.data).toMatchObject({ retentionAfterEndSeconds: slowTenantSeconds });
    expect((requested!.event.data as { title: unknown }).title).toEqual(REDACTED_FORGOTTEN);
  }, 40_000);

  it("a tenant's administrators' retention replaces the deployment's list from the next timer armed on", async () => {
    const recordRetention = (retentionAfterEndSeconds: number | null) =>
      append(
        createEvent(TenantSettingsChanged, {
          streamId: `tenant-${slowTenant}`,
          tenantId: slowTenant,
          correlationId: 'tenant-settings',
          data: {
            tenantId: slowTenant,
            changedBy: exampleUserId,
            settings: {
              enabled: true,
              retentionAfterEndSeconds,
              allowedWebexSites: null,
              defaultMeetingTemplate: null,
            },
          },
        }),
      );
    const purgeDelayOf = async (meetingId: string) => {
      const row = await eventually(async () => {
        const current = await timerRow(meetingId);
        expect(current?.state).toBe('scheduled');
        return current!;
      }, 10_000);
      return (row.purge_at.getTime() - row.ends_at.getTime()) / 1000;
    };
    const later = () => new Date(clock.now().getTime() + 3_600_000);
    await recordRetention(7200);
    const managed = await requestMeeting(later(), slowTenant);
    expect(await purgeDelayOf(managed.data.meetingId)).toBe(7200);
    // Left to the deployment again: RETENTION_POLICIES applies.
    await recordRetention(null);
    const bootstrap = await requestMeeting(later(), slowTenant);
    expect(await purgeDelayOf(bootstrap.data.meetingId)).toBe(slowTenantSeconds);
    // A timer armed earlier keeps its purge time.
    expect(await purgeDelayOf(managed.data.meetingId)).toBe(7200);
  }, 30_000);

  it('a meeting whose stream was tombstoned still has its key forgotten, with nothing appended', async () => {
    const endedBefore = await counter('scheduler_retention_meetings_ended_total', { outcome: 'stream-gone' });
    const request = await requestMeeting(new Date(clock.now().getTime() + 3_600_000));
    const meetingId = request.data.meetingId;
    await eventually(async () => expect((await timerRow(meetingId))?.state).toBe('scheduled'), 10_000);
    await store.tombstoneStream(request.streamId, 'any');

    clock.advance(3_600_000 + 60_000);
    await eventually(async () => expect((await timerRow(meetingId))?.state).toBe('purged'), 10_000);
    expect(await dataKeys.get(meetingSubject(meetingId))).toMatchObject({ state: 'forgotten' });
    expect(await counter('scheduler_retention_meetings_ended_total', { outcome: 'stream-gone' })).toBe(
      endedBefore + 1,
    );
  }, 20_000);

  it('timers survive a restart: a meeting armed before it ends after it, and nothing is appended twice', async () => {
    const pending = await requestMeeting(new Date(clock.now().getTime() + 3_600_000));
    await eventually(
      async () => expect((await timerRow(pending.data.meetingId))?.state).toBe('scheduled'),
      10_000,
    );
    const before = await streamTypes(purgedMeeting.data.meetingId);

    await app.close();
    await startApp();

    clock.advance(3_600_000 + 60_000);
    await eventually(async () => {
      expect(await streamTypes(pending.data.meetingId)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
        'MeetingEnded',
        'MeetingDataPurged',
      ]);
    }, 20_000);
    await severalPasses();
    expect(await streamTypes(purgedMeeting.data.meetingId)).toEqual(before);
    expect(await timerRow(purgedMeeting.data.meetingId)).toMatchObject({ state: 'purged', due_at: null });
  }, 40_000);
});
