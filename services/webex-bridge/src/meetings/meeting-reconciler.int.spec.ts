import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CalendarEventChanged,
  MeetingRequested,
  createEvent,
  newUuidV7,
  type EventOf,
} from '@scheduler/contracts';
import {
  KeyEncryptionKeyRing,
  PersonalDataCodec,
  PostgresDataKeyStore,
  SecretBox,
  SubjectKeys,
} from '@scheduler/crypto-shredding';
import { createWebexEmulator, type WebexEmulator } from '@scheduler/emulators';
import { PostgresEventStore, recordedEventToEnvelope } from '@scheduler/event-store';
import { sealedEnvelopeCodec } from '@scheduler/runtime';
import { isolatedSchema, type IsolatedSchema } from '@scheduler/testing';
import { WebexClient, createWebexCircuitBreaker, staticTokenProvider } from '@scheduler/webex';
import pg from 'pg';
import { Registry } from 'prom-client';
import { meetingStreamId } from './meeting.decider.js';
import { MeetingCommands } from './meeting-commands.js';
import { MeetingLifecycle } from './meeting-lifecycle.js';
import { MeetingReconciler } from './meeting-reconciler.js';
import { MeetingStreams } from './meeting-stream.js';
import { MeetingSyncRepository } from './meeting-sync.repository.js';
import { meetingDriftTable } from './migrations.js';
import { rebuildMeetingTables } from './rebuild-meeting-tables.js';

const tenantId = 'example.com';
const userId = '108234567890123456789';
const host = 'ada@example.com';

let emulator: WebexEmulator;
let schema: IsolatedSchema;
let store: PostgresEventStore;
let pool: pg.Pool;
let codec: PersonalDataCodec;
let webex: WebexClient;
let meetings: MeetingStreams;
let commands: MeetingCommands;
let sync: MeetingSyncRepository;

/** A replica of the bridge's meetings feature: its own lifecycle and reconciler, the shared database. */
function replica(registry?: Registry) {
  const lifecycle = new MeetingLifecycle({
    meetings,
    sync,
    webexClientFor: () => webex,
    clock: emulator.clock,
    // Long waits: only the probe can find out early that Webex is back.
    retryBackoff: { baseDelayMs: 60_000, maxDelayMs: 15 * 60_000 },
  });
  const reconciler = new MeetingReconciler({
    lifecycle,
    sync,
    intervalMs: 60_000,
    concurrency: 2,
    ...(registry ? { registry } : {}),
  });
  return { lifecycle, reconciler };
}

beforeAll(async () => {
  emulator = createWebexEmulator({
    users: [
      { email: host, displayName: 'Ada', timezone: 'Europe/Berlin', sites: [{ siteUrl: 'acme.webex.com' }] },
    ],
    sweepIntervalMs: 0,
  });
  const { url } = await emulator.listen();
  const tokens = await fetch(`${url}/control/webex/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: host }),
  });
  const { access_token: accessToken } = (await tokens.json()) as { access_token: string };
  webex = new WebexClient({
    baseUrl: `${url}/v1`,
    tokens: staticTokenProvider(accessToken),
    timeoutMs: 2_000,
    retry: { baseDelayMs: 20, maxDelayMs: 100, defaultRetryAfterMs: 250 },
    circuitBreaker: createWebexCircuitBreaker({ failureThreshold: 1_000 }),
  });
  schema = await isolatedSchema('meeting_reconciler');
  store = await PostgresEventStore.connect({ connectionString: schema.connectionString, poolSize: 4 });
  pool = new pg.Pool({ connectionString: schema.connectionString, max: 10 });
  const dataKeys = new PostgresDataKeyStore({ pool });
  await dataKeys.ensureSchema();
  const subjectKeys = new SubjectKeys({
    store: dataKeys,
    keyEncryptionKeys: KeyEncryptionKeyRing.fromConfig({
      primary: { id: 'kek-1', key: randomBytes(32).toString('base64') },
    }),
  });
  codec = new PersonalDataCodec({ secretBox: new SecretBox(subjectKeys) });
  meetings = new MeetingStreams(store, sealedEnvelopeCodec(codec));
  commands = new MeetingCommands(meetings, emulator.clock);
  sync = new MeetingSyncRepository(pool);
  await sync.ensureSchema();
});

afterAll(async () => {
  await store?.close();
  await pool?.end();
  await schema?.drop();
  await emulator?.close();
});

afterEach(() => emulator.faults.clear());

function futureTimes(daysAhead: number) {
  const start = Math.ceil((emulator.clock.nowMs() + daysAhead * 86_400_000) / 3_600_000) * 3_600_000;
  return { start: new Date(start).toISOString(), end: new Date(start + 30 * 60_000).toISOString() };
}

async function requestMeeting(daysAhead = 3): Promise<EventOf<typeof MeetingRequested>> {
  const meetingId = newUuidV7();
  const answer = await commands.requestMeeting({
    tenantId,
    trace: { correlationId: `request-${meetingId}`, causationId: null, traceparent: null },
    data: {
      meetingId,
      userId,
      source: 'calendar',
      calendarId: host,
      eventId: `ev${meetingId.replaceAll('-', '').slice(-12)}`,
      title: 'Design review',
      ...futureTimes(daysAhead),
      timeZone: 'Europe/Berlin',
      invitees: [],
    },
  });
  expect(answer.outcome).toBe('requested');
  const [record] = await store.readStream(meetingStreamId(meetingId));
  return MeetingRequested.parse((await codec.decode(recordedEventToEnvelope(record!))).event);
}

function calendarChange(request: EventOf<typeof MeetingRequested>, title: string, updatedAt: Date) {
  const { meetingId, eventId, start, end, timeZone } = request.data;
  return createEvent(CalendarEventChanged, {
    streamId: `calendarEvent-${userId}.${eventId}`,
    tenantId,
    data: {
      change: 'updated',
      userId,
      calendarId: host,
      eventId: eventId!,
      iCalUID: `${eventId}@google.com`,
      organizedByUser: true,
      title,
      start,
      end,
      timeZone,
      attendees: [{ email: host }],
      organizerEmail: host,
      conference: { meetingId, conferenceId: '1' },
      updatedAt: updatedAt.toISOString(),
    },
  });
}

const tagged = (meetingId: string) =>
  [...emulator.state.meetings.values()].filter(
    (meeting) => meeting.deletedAtMs === undefined && meeting.integrationTags.includes(meetingId),
  );

async function typesOf(meetingId: string) {
  return (await store.readStream(meetingStreamId(meetingId))).map((record) => record.type);
}

describe('the reconcile loop', () => {
  it('after a Webex outage, one sweep probes, finds Webex back and applies every deferred meeting once', async () => {
    const registry = new Registry();
    const { lifecycle, reconciler } = replica(registry);
    const notConverged = async () =>
      (await registry.getSingleMetric('scheduler_meetings_not_converged')!.get()).values.find(
        (value) => value.labels.waiting === 'none',
      )?.value;
    const oldestSeconds = async () =>
      (await registry.getSingleMetric('scheduler_meetings_not_converged_oldest_seconds')!.get()).values.find(
        (value) => value.labels.waiting === 'none',
      )?.value;
    emulator.faults.add({ pathPrefix: '/v1/meetings', status: 503 });
    const requests = [];
    for (let index = 0; index < 3; index++) requests.push(await requestMeeting(3 + index));
    for (const request of requests)
      expect(await lifecycle.handle(request)).toMatchObject({
        sync: 'deferred',
        appended: ['MeetingSyncDeferred'],
      });

    // Still down: the probe fails, records nothing and leaves every meeting where it was.
    const rowsBefore = await Promise.all(requests.map((request) => sync.find(request.data.meetingId)));
    expect(await reconciler.sweep()).toEqual({ reconciled: 1, webexBack: false });
    expect(await notConverged()).toBe(3);
    // Since the first request's row was made: more than nothing, less than this test has run.
    expect(await oldestSeconds()).toBeGreaterThan(0);
    expect(await oldestSeconds()).toBeLessThan(120);
    for (const [index, request] of requests.entries()) {
      expect(await sync.find(request.data.meetingId)).toEqual(rowsBefore[index]);
      expect(await typesOf(request.data.meetingId)).toEqual(['MeetingRequested', 'MeetingSyncDeferred']);
    }

    emulator.faults.clear();
    expect(await reconciler.sweep()).toMatchObject({ webexBack: true });
    expect(await notConverged()).toBe(0);
    expect(await oldestSeconds()).toBe(0);
    for (const request of requests) {
      expect(tagged(request.data.meetingId)).toHaveLength(1);
      expect(await typesOf(request.data.meetingId)).toEqual([
        'MeetingRequested',
        'MeetingSyncDeferred',
        'MeetingScheduled',
      ]);
      expect(await sync.find(request.data.meetingId)).toBeUndefined();
    }
  });

  it('a probe while Webex answers 503 is one Webex call: no retries of the client, nothing recorded', async () => {
    const { lifecycle, reconciler } = replica();
    emulator.faults.add({ pathPrefix: '/v1/meetings', status: 503 });
    const request = await requestMeeting(9);
    emulator.requests.clear();
    expect(await lifecycle.handle(request)).toMatchObject({ sync: 'deferred' });
    // A reconcile that is not a probe goes through the client's retries.
    expect(emulator.requests.list({ pathPrefix: '/v1/' }).length).toBeGreaterThan(1);
    const rowBefore = await sync.find(request.data.meetingId);

    emulator.requests.clear();
    expect(await reconciler.sweep()).toEqual({ reconciled: 1, webexBack: false });
    expect(emulator.requests.list({ pathPrefix: '/v1/' })).toEqual([
      expect.objectContaining({ method: 'GET', path: '/v1/meetings', status: 503 }),
    ]);
    expect(await sync.find(request.data.meetingId)).toEqual(rowBefore);
    expect(await typesOf(request.data.meetingId)).toEqual(['MeetingRequested', 'MeetingSyncDeferred']);

    // Webex back: the next probe gets through and the meeting is applied.
    emulator.faults.clear();
    expect(await reconciler.sweep()).toMatchObject({ webexBack: true });
    expect(tagged(request.data.meetingId)).toHaveLength(1);
  });

  it('survives a restart: a new replica finds the due meetings in the table and applies them', async () => {
    const first = replica();
    emulator.faults.add({ method: 'POST', pathPrefix: '/v1/meetings', status: 503 });
    const request = await requestMeeting();
    expect(await first.lifecycle.handle(request)).toMatchObject({ sync: 'deferred' });
    emulator.faults.clear();
    // The row waits a minute; once it is due, whoever runs the loop applies it.
    emulator.clock.advance(16 * 60_000);
    const restarted = replica();
    await restarted.reconciler.sweep();
    expect(tagged(request.data.meetingId)).toHaveLength(1);
    expect(await sync.find(request.data.meetingId)).toBeUndefined();
  });

  it('the table is rebuilt from the streams: a meeting left requested (a dead letter of old) is applied, a converged one is not touched', async () => {
    const { lifecycle, reconciler } = replica();
    const converged = await requestMeeting();
    await lifecycle.handle(converged);
    // Requested, never handled: what a dead-lettered MeetingRequested used to leave behind.
    const stuck = await requestMeeting(5);
    expect(await sync.find(stuck.data.meetingId)).toBeUndefined();

    expect((await rebuildMeetingTables({ meetings, sync, clock: emulator.clock })).unconverged).toBe(1);
    expect(await sync.find(stuck.data.meetingId)).toMatchObject({ userId, attempts: 0 });
    expect(await sync.find(converged.data.meetingId)).toBeUndefined();
    await reconciler.sweep();
    expect(tagged(stuck.data.meetingId)).toHaveLength(1);
    expect(tagged(converged.data.meetingId)).toHaveLength(1);
  });

  it('the rebuild on demand restores lost rows of both tables, keeps a waiting meeting’s schedule, changes nothing when run again, and is safe beside a running sweep', async () => {
    const { lifecycle, reconciler } = replica();
    const rebuild = () => rebuildMeetingTables({ meetings, sync, clock: emulator.clock });
    const tracked = async (meetingId: string) =>
      (
        await pool.query(
          `SELECT user_id, starts_at FROM ${meetingDriftTable(undefined)} WHERE meeting_id = $1`,
          [meetingId],
        )
      ).rows;
    const converged = await requestMeeting(20);
    expect(await lifecycle.handle(converged)).toMatchObject({ sync: 'converged' });
    emulator.faults.add({ method: 'POST', pathPrefix: '/v1/meetings', status: 503 });
    const waiting = await requestMeeting(21);
    expect(await lifecycle.handle(waiting)).toMatchObject({ sync: 'deferred' });
    emulator.faults.clear();
    const stuck = await requestMeeting(22);
    const waitingRow = await sync.find(waiting.data.meetingId);
    expect(waitingRow).toMatchObject({ attempts: 1 });
    // The rows are lost: the converged meeting's drift check; the stuck one never had a row.
    await sync.untrackForDrift(converged.data.meetingId);

    const first = await rebuild();
    expect(first.unconverged).toBeGreaterThanOrEqual(2);
    expect(first.tracked).toBeGreaterThanOrEqual(1);
    expect(await sync.find(stuck.data.meetingId)).toMatchObject({ userId, attempts: 0 });
    expect(await sync.find(waiting.data.meetingId)).toEqual(waitingRow);
    expect(await sync.find(converged.data.meetingId)).toBeUndefined();
    expect(await tracked(converged.data.meetingId)).toEqual([
      { user_id: userId, starts_at: new Date(converged.data.start) },
    ]);

    // Again: the same rows.
    const rowsAfterFirst = await Promise.all(
      [converged, waiting, stuck].map(async (request) => [
        await sync.find(request.data.meetingId),
        await tracked(request.data.meetingId),
      ]),
    );
    expect(await rebuild()).toEqual(first);
    expect(
      await Promise.all(
        [converged, waiting, stuck].map(async (request) => [
          await sync.find(request.data.meetingId),
          await tracked(request.data.meetingId),
        ]),
      ),
    ).toEqual(rowsAfterFirst);

    // While the loop works the meetings off: each one converges, with one Webex meeting each.
    emulator.clock.advance(16 * 60_000);
    await Promise.all([rebuild(), reconciler.sweep(), rebuild()]);
    await reconciler.sweep();
    for (const request of [converged, waiting, stuck]) {
      expect(tagged(request.data.meetingId)).toHaveLength(1);
      expect(await sync.find(request.data.meetingId)).toBeUndefined();
      expect(await tracked(request.data.meetingId)).toHaveLength(1);
    }
  });

  it('two replicas with two changes to one meeting: one at a time, and Webex ends with the newest', async () => {
    const [first, second] = [replica(), replica()];
    const request = await requestMeeting();
    await first.lifecycle.handle(request);
    const [meeting] = tagged(request.data.meetingId);
    const now = emulator.clock.nowMs();
    const older = calendarChange(request, 'Older title', new Date(now + 1_000));
    const newer = calendarChange(request, 'Newer title', new Date(now + 2_000));
    // The first PATCH is slow: the second change arrives while it is in Webex.
    emulator.faults.add({ method: 'PATCH', pathPrefix: '/v1/meetings', latencyMs: 500, times: 1 });

    const handling = [first.lifecycle.handle(older), second.lifecycle.handle(newer)];
    // Meanwhile a sweep on either replica skips the meeting its owner holds.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await second.reconciler.sweep()).toEqual({ reconciled: 0, webexBack: false });
    await Promise.all(handling);

    expect(emulator.state.meetings.get(meeting!.id)!.title).toBe('Newer title');
    const patches = emulator.requests
      .list({ method: 'PATCH', pathPrefix: `/v1/meetings/${meeting!.id}` })
      .map((patch) => (patch.body as { title: string }).title);
    // Whichever took the lock first: the older change applied then replaced, or found stale.
    expect(patches).toEqual(patches.length === 2 ? ['Older title', 'Newer title'] : ['Newer title']);
  });

  it('the drift check puts a meeting changed in Webex back to the calendar, and records one deleted in Webex', async () => {
    const driftIntervalMs = 300_000;
    const { lifecycle } = replica();
    const drifting = new MeetingReconciler({
      lifecycle,
      sync,
      intervalMs: 60_000,
      concurrency: 2,
      driftIntervalMs,
    });
    const moved = await requestMeeting(5);
    const deleted = await requestMeeting(6);
    for (const request of [moved, deleted]) await lifecycle.handle(request);
    const [movedInWebex] = tagged(moved.data.meetingId);
    const [deletedInWebex] = tagged(deleted.data.meetingId);
    const later = new Date(Date.parse(moved.data.start) + 3_600_000);
    // Someone changes the meeting in Webex: another time and title, an extra invitee; the other is deleted.
    await webex.patchMeeting(movedInWebex!.id, {
      title: 'Changed in Webex',
      start: later.toISOString(),
      end: new Date(later.getTime() + 1_800_000).toISOString(),
    });
    await webex.createMeetingInvitee(movedInWebex!.id, { email: 'extra@example.com' }, { sendEmail: false });
    await webex.deleteMeeting(deletedInWebex!.id);
    emulator.requests.clear();

    const found = await drifting.checkDrift();
    expect(found.changed).toBeGreaterThanOrEqual(1);
    expect(found.deleted).toBeGreaterThanOrEqual(1);

    // Back to the calendar's state: title, time, no extra invitee.
    const restored = emulator.state.meetings.get(movedInWebex!.id)!;
    expect(restored.title).toBe('Design review');
    expect(restored.startMs).toBe(Date.parse(moved.data.start));
    expect(emulator.state.invitees.get(movedInWebex!.id)).toEqual([]);
    expect(await typesOf(moved.data.meetingId)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
      'MeetingDriftDetected',
      'MeetingUpdated',
    ]);
    const [driftEvent] = (await store.readStream(meetingStreamId(moved.data.meetingId))).filter(
      (record) => record.type === 'MeetingDriftDetected',
    );
    expect(driftEvent!.data).toMatchObject({ found: 'changed', changed: ['title', 'time', 'invitees'] });
    // Deleted in Webex: recorded, not re-created, and later calendar changes leave it alone.
    expect(await typesOf(deleted.data.meetingId)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
      'MeetingDriftDetected',
    ]);
    expect(tagged(deleted.data.meetingId)).toHaveLength(0);
    expect(
      await lifecycle.handle(calendarChange(deleted, 'Renamed', new Date(emulator.clock.nowMs() + 1_000))),
    ).toMatchObject({ step: 'nothing', reason: 'deleted-in-webex' });
    expect(emulator.requests.list({ method: 'POST', pathPrefix: '/v1/meetings' })).toHaveLength(0);

    // Checked within half the interval: not again. Later, once more, and in step (a GET and the invitees).
    expect((await drifting.checkDrift()).changed).toBe(0);
    emulator.requests.clear();
    emulator.clock.advance(driftIntervalMs);
    const again = await drifting.checkDrift();
    expect(again).toMatchObject({ changed: 0, deleted: 0 });
    expect(again['in-step']).toBeGreaterThanOrEqual(1);
    expect(emulator.requests.list({ pathPrefix: `/v1/meetings/${deletedInWebex!.id}` })).toHaveLength(0);
    expect(emulator.requests.list({ method: 'PATCH' })).toHaveLength(0);
  });
});
