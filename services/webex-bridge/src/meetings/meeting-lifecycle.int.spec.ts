import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CalendarEventChanged,
  basicUtc,
  ContractViolationError,
  MeetingRequested,
  createEvent,
  newUuidV7,
  type DataOf,
  type EventEnvelope,
  type EventOf,
} from '@scheduler/contracts';
import {
  KeyEncryptionKeyRing,
  PersonalDataCodec,
  PostgresDataKeyStore,
  REDACTED_FORGOTTEN,
  SecretBox,
  SubjectKeys,
  isSealedValue,
  meetingSubject,
} from '@scheduler/crypto-shredding';
import { createWebexEmulator, type WebexEmulator } from '@scheduler/emulators';
import { PostgresEventStore, StreamNotFoundError, recordedEventToEnvelope } from '@scheduler/event-store';
import { sealedEnvelopeCodec } from '@scheduler/runtime';
import { isolatedSchema, type IsolatedSchema } from '@scheduler/testing';
import {
  ReauthorizationRequired,
  WebexClient,
  createWebexCircuitBreaker,
  staticTokenProvider,
} from '@scheduler/webex';
import pg from 'pg';
import { copyMeetingId } from './desired-state.js';
import { UnhandledEventTypeError } from './errors.js';
import { meetingStreamId } from './meeting.decider.js';
import { MeetingCommands } from './meeting-commands.js';
import { MeetingLifecycle } from './meeting-lifecycle.js';
import { MeetingStreams, sourceUpdatedAtMetadata } from './meeting-stream.js';
import { MeetingSyncRepository } from './meeting-sync.repository.js';

const tenantId = 'example.com';
const userId = '108234567890123456789';
const host = 'ada@example.com';
const calendarId = host;

let emulator: WebexEmulator;
let schema: IsolatedSchema;
let store: PostgresEventStore;
let keyPool: pg.Pool;
let subjectKeys: SubjectKeys;
let codec: PersonalDataCodec;
let webex: WebexClient;
let meetings: MeetingStreams;
let commands: MeetingCommands;
let lifecycle: MeetingLifecycle;
let syncPool: pg.Pool;
let sync: MeetingSyncRepository;

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
  schema = await isolatedSchema('meeting_lifecycle');
  store = await PostgresEventStore.connect({ connectionString: schema.connectionString, poolSize: 4 });
  // The data-key store beside the events, in the same isolated schema.
  keyPool = new pg.Pool({ connectionString: schema.connectionString, max: 4 });
  const dataKeys = new PostgresDataKeyStore({ pool: keyPool });
  await dataKeys.ensureSchema();
  subjectKeys = new SubjectKeys({
    store: dataKeys,
    keyEncryptionKeys: KeyEncryptionKeyRing.fromConfig({
      primary: { id: 'kek-1', key: randomBytes(32).toString('base64') },
    }),
  });
  codec = new PersonalDataCodec({ secretBox: new SecretBox(subjectKeys) });
  meetings = new MeetingStreams(store, sealedEnvelopeCodec(codec));
  commands = new MeetingCommands(meetings, emulator.clock);
  syncPool = new pg.Pool({ connectionString: schema.connectionString, max: 6 });
  sync = new MeetingSyncRepository(syncPool);
  await sync.ensureSchema();
  lifecycle = new MeetingLifecycle({ meetings, sync, webexClientFor: () => webex, clock: emulator.clock });
});

afterAll(async () => {
  await store?.close();
  await keyPool?.end();
  await syncPool?.end();
  await schema?.drop();
  await emulator?.close();
});

afterEach(() => emulator.faults.clear());

// Helpers

function futureTimes(daysAhead = 3, minutes = 30) {
  const start = Math.ceil((emulator.clock.nowMs() + daysAhead * 86_400_000) / 3_600_000) * 3_600_000;
  return { start: new Date(start).toISOString(), end: new Date(start + minutes * 60_000).toISOString() };
}

const trace = (correlationId: string) => ({ correlationId, causationId: null, traceparent: null });

/**
 * What the gateway asks for (RequestMeeting): MeetingRequested, the intent, sealed on a new
 * meeting stream. Returns it opened, as the transport delivers it.
 */
async function requestMeeting(
  overrides: Partial<DataOf<typeof MeetingRequested>> = {},
): Promise<EventOf<typeof MeetingRequested>> {
  const meetingId = newUuidV7();
  const eventId = `ev${meetingId.replaceAll('-', '').slice(-12)}`;
  const answer = await commands.requestMeeting({
    tenantId,
    trace: trace(`request-${meetingId}`),
    data: {
      meetingId,
      userId,
      source: 'calendar',
      calendarId,
      eventId,
      title: 'Design review',
      ...futureTimes(),
      timeZone: 'America/New_York',
      invitees: [{ email: 'grace@example.com', displayName: 'Grace' }, { email: 'alan@example.org' }],
      ...overrides,
    },
  });
  expect(answer.outcome).toBe('requested');
  return MeetingRequested.parse((await streamOf(meetingId))[0]);
}

/** What google-ingest emits for the event carrying `request`'s conference. */
function calendarChange(
  request: EventEnvelope<'MeetingRequested', DataOf<typeof MeetingRequested>>,
  overrides: Record<string, unknown> = {},
) {
  const eventId = (overrides.eventId as string | undefined) ?? request.data.eventId!;
  const { meetingId, title, start, end, timeZone, invitees } = request.data;
  return createEvent(CalendarEventChanged, {
    streamId: `calendarEvent-${userId}.${eventId}`,
    tenantId,
    data: {
      change: 'updated',
      userId,
      calendarId,
      eventId,
      iCalUID: `${eventId}@google.com`,
      organizedByUser: true,
      title,
      start,
      end,
      timeZone,
      attendees: [{ email: host }, ...invitees],
      organizerEmail: host,
      conference: { meetingId, conferenceId: '1' },
      updatedAt: emulator.clock.now().toISOString(),
      ...overrides,
    } as never,
  });
}

function cancellation(
  request: EventEnvelope<'MeetingRequested', DataOf<typeof MeetingRequested>>,
  eventId?: string,
) {
  const id = eventId ?? request.data.eventId!;
  return createEvent(CalendarEventChanged, {
    streamId: `calendarEvent-${userId}.${id}`,
    tenantId,
    data: {
      change: 'cancelled',
      userId,
      calendarId,
      eventId: id,
      conference: { meetingId: request.data.meetingId, conferenceId: '1' },
    },
  });
}

/** The stream as the lifecycle reads it: opened by the codec. */
async function streamOf(meetingId: string): Promise<EventEnvelope[]> {
  const records = await store.readStream(meetingStreamId(meetingId));
  const events: EventEnvelope[] = [];
  for (const record of records) events.push((await codec.decode(recordedEventToEnvelope(record))).event);
  return events;
}

/**
 * What retention does at the end of a meeting's life: EndMeeting, forget the key,
 * RecordMeetingDataPurged.
 */
async function purge(meetingId: string) {
  const endedAt = emulator.clock.now().toISOString();
  expect(
    await commands.endMeeting({
      tenantId,
      trace: trace(`end-${meetingId}`),
      data: { meetingId, endedAt, source: 'scheduled-end' },
    }),
  ).toEqual({ outcome: 'recorded' });
  await subjectKeys.forget(meetingSubject(meetingId));
  expect(
    await commands.recordMeetingDataPurged({
      tenantId,
      trace: trace(`purge-${meetingId}`),
      data: { meetingId, purgedAt: endedAt, retentionAfterEndSeconds: 0 },
    }),
  ).toEqual({ outcome: 'recorded' });
}

const typesOf = async (meetingId: string) => (await streamOf(meetingId)).map((event) => event.type);

const liveWebexMeetingsTagged = (tag: string) =>
  [...emulator.state.meetings.values()].filter(
    (meeting) => meeting.deletedAtMs === undefined && meeting.integrationTags.includes(tag),
  );

const requestsTo = (method: string, pathPrefix = '/v1/meetings') =>
  emulator.requests.list({ method, pathPrefix });

async function scheduledMeeting() {
  const request = await requestMeeting();
  await lifecycle.handle(request);
  const [meeting] = liveWebexMeetingsTagged(request.data.meetingId);
  return { request, meeting: meeting! };
}

// Tests

describe('MeetingLifecycle against the Webex emulator and PostgreSQL', () => {
  it('MeetingRequested creates the Webex meeting it describes and records MeetingScheduled', async () => {
    const request = await requestMeeting();
    const postsBefore = requestsTo('POST').length;

    const outcome = await lifecycle.handle(request);

    expect(outcome).toMatchObject({ step: 'create', appended: ['MeetingScheduled'] });
    const meetings = liveWebexMeetingsTagged(request.data.meetingId);
    expect(meetings).toHaveLength(1);
    const meeting = meetings[0]!;
    expect(meeting.title).toBe('Design review');
    expect(meeting.startMs).toBe(Date.parse(request.data.start));
    expect(meeting.endMs).toBe(Date.parse(request.data.end));
    expect(meeting.timezone).toBe('America/New_York');
    expect(meeting.integrationTags).toEqual([request.data.meetingId]);
    expect(emulator.state.invitees.get(meeting.id)).toEqual([
      { id: expect.any(String), email: 'alan@example.org' },
      { id: expect.any(String), email: 'grace@example.com', displayName: 'Grace' },
    ]);
    const posts = requestsTo('POST').slice(postsBefore);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toMatchObject({ sendEmail: false });

    const events = await streamOf(request.data.meetingId);
    expect(events.map((event) => event.type)).toEqual(['MeetingRequested', 'MeetingScheduled']);
    expect(events[1]).toMatchObject({
      causationId: request.id,
      correlationId: request.correlationId,
      data: {
        webexMeetingId: meeting.id,
        meetingNumber: meeting.meetingNumber,
        siteUrl: 'acme.webex.com',
        sipAddress: `${meeting.meetingNumber}@acme.webex.com`,
        password: meeting.password,
      },
    });

    // Redelivered: nothing more happens.
    expect(await lifecycle.handle(request)).toMatchObject({ step: 'nothing', appended: [] });
    expect(requestsTo('POST').slice(postsBefore)).toHaveLength(1);
    expect(await typesOf(request.data.meetingId)).toHaveLength(2);
  });

  it('adopts the meeting a crashed attempt created (tag found, MeetingScheduled missing): still one meeting', async () => {
    const request = await requestMeeting();
    // The crash: Webex created the meeting, the bridge died before appending.
    const { meeting: orphan } = await webex.createMeeting(
      {
        title: request.data.title,
        start: request.data.start,
        end: request.data.end,
        timezone: 'America/New_York',
      },
      { integrationTag: request.data.meetingId },
    );
    const postsBefore = requestsTo('POST').length;

    const outcome = await lifecycle.handle(request);

    expect(outcome).toMatchObject({ step: 'create', reason: 'adopted', appended: ['MeetingScheduled'] });
    expect(requestsTo('POST').length).toBe(postsBefore);
    expect(liveWebexMeetingsTagged(request.data.meetingId).map((meeting) => meeting.id)).toEqual([orphan.id]);
    expect((await streamOf(request.data.meetingId))[1]!.data).toMatchObject({ webexMeetingId: orphan.id });
  });

  it('cancelling a meeting still being created deletes the Webex meeting a crashed create left (found by its tag)', async () => {
    const request = await requestMeeting();
    // The crash: Webex created the meeting, the bridge died before appending MeetingScheduled.
    const { meeting: orphan } = await webex.createMeeting(
      { title: request.data.title, start: request.data.start, end: request.data.end },
      { integrationTag: request.data.meetingId },
    );

    const outcome = await lifecycle.handle(cancellation(request));

    expect(outcome).toMatchObject({
      step: 'delete',
      appended: ['MeetingCancellationRequested', 'MeetingCancelled'],
    });
    expect(emulator.state.meetings.get(orphan.id)!.deletedAtMs).toBeDefined();
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(0);
    expect(requestsTo('DELETE', `/v1/meetings/${orphan.id}`)[0]!.query).toMatchObject({ sendEmail: 'false' });
    // The request arriving late creates nothing.
    expect(await lifecycle.handle(request)).toMatchObject({ step: 'nothing', appended: [] });
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(0);
  });

  it('a time change and a subject change each send one PATCH with the whole desired state', async () => {
    const { request, meeting } = await scheduledMeeting();
    const moved = futureTimes(4, 45);

    const timeOutcome = await lifecycle.handle(calendarChange(request, moved));
    const titleOutcome = await lifecycle.handle(
      calendarChange(request, { ...moved, title: 'Design review (v2)' }),
    );

    // The desired state is recorded before the PATCH, then applied.
    expect(timeOutcome).toMatchObject({
      step: 'update',
      appended: ['MeetingChangeRequested', 'MeetingUpdated'],
      sync: 'converged',
    });
    expect(titleOutcome).toMatchObject({
      step: 'update',
      appended: ['MeetingChangeRequested', 'MeetingUpdated'],
    });
    const patches = requestsTo('PATCH', `/v1/meetings/${meeting.id}`);
    expect(patches.map((patch) => patch.body)).toEqual([
      { title: 'Design review', ...moved, timezone: 'America/New_York', sendEmail: false },
      { title: 'Design review (v2)', ...moved, timezone: 'America/New_York', sendEmail: false },
    ]);
    const stored = emulator.state.meetings.get(meeting.id)!;
    expect(stored.title).toBe('Design review (v2)');
    expect(stored.startMs).toBe(Date.parse(moved.start));
    expect(stored.endMs).toBe(Date.parse(moved.end));
    const updates = (await streamOf(request.data.meetingId)).filter(
      (event) => event.type === 'MeetingUpdated',
    );
    expect(updates.map((event) => (event.data as { changed: string[] }).changed)).toEqual([
      ['time'],
      ['title'],
    ]);
  });

  it('the same change notified five times sends exactly one PATCH', async () => {
    const { request, meeting } = await scheduledMeeting();
    const changes = Array.from({ length: 5 }, () => calendarChange(request, { title: 'Renamed once' }));

    const outcomes = [];
    for (const change of changes) outcomes.push(await lifecycle.handle(change));
    // And a redelivery of one of them.
    outcomes.push(await lifecycle.handle(changes[0]!));

    expect(outcomes.map((outcome) => outcome.step)).toEqual([
      'update',
      'nothing',
      'nothing',
      'nothing',
      'nothing',
      'nothing',
    ]);
    expect(requestsTo('PATCH', `/v1/meetings/${meeting.id}`)).toHaveLength(1);
    expect(await typesOf(request.data.meetingId)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
      'MeetingChangeRequested',
      'MeetingUpdated',
    ]);
  });

  it('an invitee-only change reaches Webex through the meeting-invitees API, without PATCH and without mails', async () => {
    const { request, meeting } = await scheduledMeeting();
    const invitesBefore = emulator.requests.list({ pathPrefix: '/v1/meetingInvitees' }).length;
    const outcome = await lifecycle.handle(
      calendarChange(request, {
        attendees: [{ email: host }, { email: 'Alan@example.org' }, { email: 'new@example.com' }],
      }),
    );
    expect(outcome).toMatchObject({ step: 'update', appended: ['MeetingChangeRequested', 'MeetingUpdated'] });
    expect(requestsTo('PATCH', `/v1/meetings/${meeting.id}`)).toHaveLength(0);
    // Grace removed, new@ added; Alan kept (emails compare case-insensitively).
    expect(
      emulator.state.invitees
        .get(meeting.id)!
        .map((invitee) => invitee.email)
        .sort(),
    ).toEqual(['alan@example.org', 'new@example.com']);
    const calls = emulator.requests.list({ pathPrefix: '/v1/meetingInvitees' }).slice(invitesBefore);
    expect(calls.map((call) => call.method)).toEqual(['GET', 'POST', 'DELETE']);
    expect(calls[1]!.body).toMatchObject({
      meetingId: meeting.id,
      email: 'new@example.com',
      sendEmail: false,
    });
    expect(calls[2]!.query).toMatchObject({ sendEmail: 'false' });

    // Webex fails halfway (the add went through, the removals did not): the retry does what is left.
    emulator.faults.add({ method: 'DELETE', pathPrefix: '/v1/meetingInvitees', status: 503 });
    const again = await lifecycle.handle(
      calendarChange(request, { attendees: [{ email: 'grace@example.com' }] }),
    );
    expect(again).toMatchObject({ sync: 'deferred' });
    emulator.faults.clear();
    expect(await lifecycle.reconcile(request.data.meetingId, userId)).toMatchObject({ sync: 'converged' });
    expect(emulator.state.invitees.get(meeting.id)!.map((invitee) => invitee.email)).toEqual([
      'grace@example.com',
    ]);
  });

  it('edits by someone who does not organize the event change nothing', async () => {
    const { request, meeting } = await scheduledMeeting();
    const outcome = await lifecycle.handle(
      calendarChange(request, { title: 'Not mine', organizedByUser: false }),
    );
    expect(outcome).toMatchObject({ step: 'nothing', reason: 'not-organizer' });
    expect(requestsTo('PATCH', `/v1/meetings/${meeting.id}`)).toHaveLength(0);
  });

  it('a deleted event deletes the Webex meeting and records MeetingCancelled', async () => {
    const { request, meeting } = await scheduledMeeting();

    const outcome = await lifecycle.handle(cancellation(request));

    expect(outcome).toMatchObject({
      step: 'delete',
      appended: ['MeetingCancellationRequested', 'MeetingCancelled'],
    });
    expect(emulator.state.meetings.get(meeting.id)!.deletedAtMs).toBeDefined();
    expect(requestsTo('DELETE', `/v1/meetings/${meeting.id}`)[0]!.query).toMatchObject({
      sendEmail: 'false',
    });
    const events = await streamOf(request.data.meetingId);
    expect(events.at(-1)!.data).toEqual({
      meetingId: request.data.meetingId,
      webexMeetingId: meeting.id,
      reason: 'event-deleted',
    });
    // Later changes and redeliveries find a cancelled meeting.
    expect(await lifecycle.handle(cancellation(request))).toMatchObject({
      step: 'nothing',
      reason: 'finished',
    });
    expect(await lifecycle.handle(calendarChange(request, { title: 'x' }))).toMatchObject({
      step: 'nothing',
    });
  });

  it('our conference removed from an event that stays deletes the Webex meeting (MeetingCancelled{conference-removed})', async () => {
    const { request, meeting } = await scheduledMeeting();
    const removed = createEvent(CalendarEventChanged, {
      streamId: `calendarEvent-${userId}.${request.data.eventId!}`,
      tenantId,
      data: {
        change: 'conference-removed',
        userId,
        calendarId,
        eventId: request.data.eventId!,
        conference: { meetingId: request.data.meetingId, conferenceId: '1' },
        updatedAt: new Date().toISOString(),
      },
    });

    expect(await lifecycle.handle(removed)).toMatchObject({
      step: 'delete',
      appended: ['MeetingCancellationRequested', 'MeetingCancelled'],
    });
    expect(emulator.state.meetings.get(meeting.id)!.deletedAtMs).toBeDefined();
    const events = await streamOf(request.data.meetingId);
    expect(events.at(-2)!.data).toEqual({ meetingId: request.data.meetingId, reason: 'conference-removed' });
    expect(events.at(-1)!.data).toEqual({
      meetingId: request.data.meetingId,
      webexMeetingId: meeting.id,
      reason: 'conference-removed',
    });
    expect(await lifecycle.handle(removed)).toMatchObject({ step: 'nothing' });
  });

  it('a delete that Webex answers with 404 counts as done', async () => {
    const { request, meeting } = await scheduledMeeting();
    await webex.deleteMeeting(meeting.id);

    const outcome = await lifecycle.handle(cancellation(request));

    expect(outcome).toMatchObject({
      step: 'delete',
      appended: ['MeetingCancellationRequested', 'MeetingCancelled'],
    });
    expect(requestsTo('DELETE', `/v1/meetings/${meeting.id}`).map((logged) => logged.status)).toEqual([
      204, 404,
    ]);
  });

  it('a copied event gets its own Webex meeting, requested once however often the copy is seen', async () => {
    const { request } = await scheduledMeeting();
    const copyTimes = futureTimes(10);
    const copyChange = calendarChange(request, { eventId: 'copyevent1', change: 'created', ...copyTimes });
    const copyId = copyMeetingId(request.data.meetingId, calendarId, 'copyevent1');

    const outcome = await lifecycle.handle(copyChange);

    expect(outcome).toMatchObject({ meetingId: copyId, step: 'copy', appended: ['MeetingRequested'] });
    const [copyRequest] = await streamOf(copyId);
    expect(copyRequest).toMatchObject({
      causationId: copyChange.id,
      data: {
        source: 'copy',
        copiedFromMeetingId: request.data.meetingId,
        eventId: 'copyevent1',
        ...copyTimes,
      },
    });
    // The bus delivers the copy's MeetingRequested to the normal create path.
    expect(await lifecycle.handle(copyRequest!)).toMatchObject({ step: 'create' });
    const copies = liveWebexMeetingsTagged(copyId);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.startMs).toBe(Date.parse(copyTimes.start));
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(1);

    // Redelivered, and seen again before google-ingest replaced the copy's conference data.
    expect(await lifecycle.handle(copyChange)).toMatchObject({ step: 'nothing', redirectedTo: copyId });
    const edited = await lifecycle.handle(
      calendarChange(request, { eventId: 'copyevent1', ...copyTimes, title: 'Copy, renamed' }),
    );
    expect(edited).toMatchObject({
      step: 'update',
      redirectedTo: copyId,
      appended: ['MeetingChangeRequested', 'MeetingUpdated'],
    });
    expect(copies[0]!.title).toBe('Copy, renamed');
    expect(await typesOf(copyId)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
      'MeetingChangeRequested',
      'MeetingUpdated',
    ]);

    // Deleting the copy deletes the copy's meeting only.
    expect(await lifecycle.handle(cancellation(request, 'copyevent1'))).toMatchObject({
      step: 'delete',
      redirectedTo: copyId,
    });
    expect(liveWebexMeetingsTagged(copyId)).toHaveLength(0);
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(1);
  });

  it('a 429 with Retry-After on create is waited out by the client: one meeting', async () => {
    const request = await requestMeeting();
    emulator.faults.add({
      method: 'POST',
      pathPrefix: '/v1/meetings',
      status: 429,
      retryAfterSeconds: 1,
      times: 1,
    });
    const started = Date.now();

    const outcome = await lifecycle.handle(request);

    expect(outcome).toMatchObject({ step: 'create', appended: ['MeetingScheduled'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(1);
  });

  it('a permanent 400 records MeetingSchedulingFailed with the Webex trackingId', async () => {
    const request = await requestMeeting();
    emulator.faults.add({ method: 'POST', pathPrefix: '/v1/meetings', status: 400, times: 1 });

    const outcome = await lifecycle.handle(request);

    expect(outcome).toMatchObject({ step: 'create', appended: ['MeetingSchedulingFailed'] });
    const failure = (await streamOf(request.data.meetingId)).at(-1)!;
    expect(failure.data).toMatchObject({ reason: 'webex-rejected', retryable: false });
    expect((failure.data as { webexTrackingId?: string }).webexTrackingId).toMatch(/^ROUTER_/);
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(0);
    // Redelivered: recorded once.
    expect(await lifecycle.handle(request)).toMatchObject({ step: 'nothing' });
    expect(await typesOf(request.data.meetingId)).toEqual(['MeetingRequested', 'MeetingSchedulingFailed']);
  });

  // Transient failures used to be thrown for the transport to redeliver (and dead-letter after
  // its max deliveries); now they are recorded, and the meeting is due again after a backoff.
  it('transient Webex failures are deferred, never thrown, and the next attempt succeeds', async () => {
    const request = await requestMeeting();
    emulator.faults.add({ pathPrefix: '/v1/meetings', status: 503, times: 20 });
    expect(await lifecycle.handle(request)).toMatchObject({
      step: 'create',
      appended: ['MeetingSyncDeferred'],
      sync: 'deferred',
    });
    const deferral = (await streamOf(request.data.meetingId)).at(-1)!;
    expect(deferral.data).toMatchObject({ attempt: 1, reason: 'webex-unavailable' });
    const row = (await sync.find(request.data.meetingId))!;
    expect(row).toMatchObject({ attempts: 1, waitingFor: null });
    expect(row.dueAt.toISOString()).toBe((deferral.data as { nextAttemptAt: string }).nextAttemptAt);
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(0);
    emulator.faults.clear();
    expect(await lifecycle.handle(request)).toMatchObject({ step: 'create', sync: 'converged' });
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(1);
    expect(await sync.find(request.data.meetingId)).toBeUndefined();
  });

  it('a start in the past fails without calling Webex', async () => {
    const start = Math.floor(emulator.clock.nowMs() / 60_000) * 60_000 - 3_600_000;
    const request = await requestMeeting({
      start: new Date(start).toISOString(),
      end: new Date(start + 7_200_000).toISOString(),
    });
    const postsBefore = requestsTo('POST').length;
    expect(await lifecycle.handle(request)).toMatchObject({
      step: 'fail',
      appended: ['MeetingSchedulingFailed'],
    });
    expect(requestsTo('POST').length).toBe(postsBefore);
  });

  // It used to record MeetingSchedulingFailed{reauthorization-required, retryable} and fail the
  // meeting; now the meeting waits for the reconnect, which applies it.
  it('a dead Webex authorization makes the meeting wait for a reconnect, not fail', async () => {
    const request = await requestMeeting();
    const unauthorized = new MeetingLifecycle({
      meetings,
      sync,
      webexClientFor: () => {
        throw new ReauthorizationRequired('no Webex tokens stored for the user', undefined);
      },
      clock: emulator.clock,
    });
    expect(await unauthorized.handle(request)).toMatchObject({ sync: 'waiting-for-reconnect' });
    const waiting = (await streamOf(request.data.meetingId)).at(-1)!;
    expect(waiting.type).toBe('MeetingReconnectRequired');
    expect(waiting.data).toMatchObject({
      account: 'webex',
      message: expect.stringContaining('connect Webex again'),
    });
    expect(await sync.find(request.data.meetingId)).toMatchObject({ waitingFor: 'webex-reconnect', userId });
    // Not due until the account is connected again; then it is applied.
    expect(await lifecycle.reconcileNextDue()).toBe(false);
    expect(await sync.wakeUser(userId, emulator.clock.now())).toBeGreaterThanOrEqual(1);
    let outcome;
    while ((outcome = await lifecycle.reconcileNextDue()) && outcome.meetingId !== request.data.meetingId);
    expect(outcome).toMatchObject({ step: 'create', sync: 'converged' });
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(1);
  });

  it('overlapping deliveries of one request leave exactly one Webex meeting', async () => {
    const request = await requestMeeting();
    // Slow creates, so both deliveries are inside Webex at the same time.
    emulator.faults.add({ method: 'POST', pathPrefix: '/v1/meetings', latencyMs: 300, times: 2 });

    const outcomes = await Promise.all([lifecycle.handle(request), lifecycle.handle(request)]);

    expect(outcomes.map((outcome) => outcome.appended).flat()).toEqual(['MeetingScheduled']);
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(1);
    const scheduled = (await streamOf(request.data.meetingId))[1]!;
    expect(scheduled.data).toMatchObject({
      webexMeetingId: liveWebexMeetingsTagged(request.data.meetingId)[0]!.id,
    });
  });

  it('refuses malformed events and event types it does not handle, writing nothing', async () => {
    const request = await requestMeeting();
    const malformed = { ...request, data: { ...request.data, start: 'tomorrow' } };
    await expect(lifecycle.handle(malformed)).rejects.toThrow(ContractViolationError);
    await expect(lifecycle.handle({ ...request, type: 'WebexAccountConnected' })).rejects.toThrow(
      UnhandledEventTypeError,
    );
    expect(await typesOf(request.data.meetingId)).toEqual(['MeetingRequested']);
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(0);
  });

  it('a MeetingRequested whose stream does not exist is refused', async () => {
    const meetingId = newUuidV7();
    const stray = createEvent(MeetingRequested, {
      streamId: meetingStreamId(meetingId),
      tenantId,
      data: {
        meetingId,
        userId,
        source: 'calendar',
        calendarId,
        eventId: 'stray1',
        title: 't',
        ...futureTimes(),
        timeZone: 'UTC',
        invitees: [],
      },
    });
    await expect(lifecycle.handle(stray)).rejects.toThrow(/does not exist/);
    await expect(store.readStream(meetingStreamId(meetingId))).rejects.toThrow(StreamNotFoundError);
    expect(liveWebexMeetingsTagged(meetingId)).toHaveLength(0);
  });

  it('stores titles, invitees and the Webex password sealed: no plaintext in the event store', async () => {
    const { request } = await scheduledMeeting();
    await lifecycle.handle(calendarChange(request, { title: 'Secret renamed' }));
    const copyChange = calendarChange(request, {
      eventId: 'sealedcopy1',
      change: 'created',
      title: 'Secret copy',
      ...futureTimes(12),
    });
    await lifecycle.handle(copyChange);
    const copyId = copyMeetingId(request.data.meetingId, calendarId, 'sealedcopy1');

    const raw = [
      ...(await store.readStream(meetingStreamId(request.data.meetingId))),
      ...(await store.readStream(meetingStreamId(copyId))),
    ];
    expect(raw.map((record) => record.type)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
      'MeetingChangeRequested',
      'MeetingUpdated',
      'MeetingRequested',
    ]);
    const [, scheduled, changeRequested, updated, copyRequest] = raw;
    for (const record of [changeRequested!, updated!, copyRequest!]) {
      expect(isSealedValue(record.data.title)).toBe(true);
      expect(isSealedValue(record.data.invitees)).toBe(true);
    }
    expect(isSealedValue(scheduled!.data.password)).toBe(true);
    const stored = JSON.stringify(raw.map((record) => record.data));
    for (const plaintext of ['Design review', 'Secret renamed', 'Secret copy', 'grace@example.com', 'Grace'])
      expect(stored).not.toContain(plaintext);
    // Sealed under the meeting's own key (the copy under the copy's), so each purge forgets its own.
    expect((updated!.data.title as { subject: string }).subject).toBe(meetingSubject(request.data.meetingId));
    expect((copyRequest!.data.title as { subject: string }).subject).toBe(meetingSubject(copyId));
    // Opened again on reading.
    expect((await streamOf(copyId))[0]!.data).toMatchObject({ title: 'Secret copy' });
  });

  it('a purged meeting (ended, purged, key forgotten) folds without throwing and reaches Webex no more', async () => {
    const { request, meeting } = await scheduledMeeting();
    await lifecycle.handle(calendarChange(request, { title: 'Renamed before the end' }));
    // A change as google-ingest stores it (sealed under the meeting's key), delivered after the
    // purge: the transport opens it with the key gone.
    const storedLateChange = await codec.encode(calendarChange(request, { title: 'After the end' }));
    await purge(request.data.meetingId);
    const { event: lateChange } = await codec.decode(storedLateChange);
    const webexCallsBefore = emulator.requests.list({ pathPrefix: '/v1/meetings' }).length;

    const events = await streamOf(request.data.meetingId);
    expect(events.map((event) => event.type)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
      'MeetingChangeRequested',
      'MeetingUpdated',
      'MeetingEnded',
      'MeetingDataPurged',
    ]);
    expect(events[0]!.data).toMatchObject({ title: REDACTED_FORGOTTEN, invitees: REDACTED_FORGOTTEN });
    expect(events[2]!.data).toMatchObject({ title: REDACTED_FORGOTTEN });
    expect(events[3]!.data).toMatchObject({ title: REDACTED_FORGOTTEN });

    // The request already caused MeetingScheduled; every change finds the meeting finished.
    expect(await lifecycle.handle(request)).toMatchObject({ step: 'nothing', reason: 'already-handled' });
    for (const trigger of [lateChange, cancellation(request), calendarChange(request, { title: 'x' })])
      expect(await lifecycle.handle(trigger)).toMatchObject({
        step: 'nothing',
        reason: 'finished',
        appended: [],
      });
    expect(emulator.requests.list({ pathPrefix: '/v1/meetings' })).toHaveLength(webexCallsBefore);
    expect(liveWebexMeetingsTagged(request.data.meetingId).map((live) => live.id)).toEqual([meeting.id]);
    expect(await typesOf(request.data.meetingId)).toHaveLength(6);
  });

  it('a request whose key is gone before it was scheduled is not created', async () => {
    const request = await requestMeeting();
    await subjectKeys.forget(meetingSubject(request.data.meetingId));
    const postsBefore = requestsTo('POST').length;

    expect(await lifecycle.handle(request)).toMatchObject({
      step: 'nothing',
      reason: 'personal-data-forgotten',
    });
    expect(await lifecycle.handle(calendarChange(request, { title: 'x' }))).toMatchObject({
      step: 'nothing',
      reason: 'personal-data-forgotten',
    });
    expect(requestsTo('POST').length).toBe(postsBefore);
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(0);
  });

  it('an older change redelivered after a newer one was applied does not roll the meeting back', async () => {
    const { request, meeting } = await scheduledMeeting();
    const older = calendarChange(request, {
      title: 'Older title',
      updatedAt: new Date(emulator.clock.nowMs() - 60_000).toISOString(),
    });
    const newer = calendarChange(request, {
      title: 'Newer title',
      updatedAt: emulator.clock.now().toISOString(),
    });
    // The older change fails transiently: the transport naks it to the back of the queue.
    emulator.faults.add({
      method: 'PATCH',
      pathPrefix: `/v1/meetings/${meeting.id}`,
      status: 503,
      times: 20,
    });
    expect(await lifecycle.handle(older)).toMatchObject({ sync: 'deferred' });
    emulator.faults.clear();

    expect(await lifecycle.handle(newer)).toMatchObject({
      step: 'update',
      appended: ['MeetingChangeRequested', 'MeetingUpdated'],
    });
    // The older change was recorded (its desired state) before it failed: redelivered, it finds
    // itself; the same older change delivered as another event is stale.
    expect(await lifecycle.handle(older)).toMatchObject({ step: 'nothing', reason: 'already-handled' });
    const olderAgain = calendarChange(request, { title: 'Older title', updatedAt: older.data.updatedAt });
    expect(await lifecycle.handle(olderAgain)).toMatchObject({
      step: 'nothing',
      reason: 'stale',
      appended: [],
    });

    expect(emulator.state.meetings.get(meeting.id)!.title).toBe('Newer title');
    const patches = requestsTo('PATCH', `/v1/meetings/${meeting.id}`).filter((patch) => patch.status < 300);
    expect(patches.map((patch) => (patch.body as { title: string }).title)).toEqual(['Newer title']);
    const records = await store.readStream(meetingStreamId(request.data.meetingId));
    expect(records.at(-1)!.metadata[sourceUpdatedAtMetadata]).toBe(newer.data.updatedAt);
  });
});

describe('recurring series against the Webex emulator', () => {
  const berlin = 'Europe/Berlin';
  const occurrenceStarts = async (seriesId: string) =>
    (
      await webex.listMeetingOccurrences(seriesId, {
        from: '2027-01-01T00:00:00Z',
        to: '2028-01-01T00:00:00Z',
      })
    ).map((occurrence) => new Date(occurrence.start).toISOString());

  it('a weekly series becomes a Webex series with the same rule, every occurrence at 09:00 Berlin across the change to summer time', async () => {
    const request = await requestMeeting({
      start: '2027-03-15T08:00:00Z',
      end: '2027-03-15T09:00:00Z',
      timeZone: berlin,
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6'],
    });
    expect(await lifecycle.handle(request)).toMatchObject({ step: 'create', appended: ['MeetingScheduled'] });
    const [series] = liveWebexMeetingsTagged(request.data.meetingId);
    expect(series!.recurrence).toBe('FREQ=WEEKLY;COUNT=6');
    expect(await occurrenceStarts(series!.id)).toEqual([
      '2027-03-15T08:00:00.000Z',
      '2027-03-22T08:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
      '2027-04-12T07:00:00.000Z',
      '2027-04-19T07:00:00.000Z',
    ]);
  });

  it('a monthly "second Tuesday" series has the same dates in Webex', async () => {
    const request = await requestMeeting({
      start: '2027-04-13T08:00:00Z',
      end: '2027-04-13T09:00:00Z',
      timeZone: berlin,
      recurrence: ['RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=4'],
    });
    await lifecycle.handle(request);
    const [series] = liveWebexMeetingsTagged(request.data.meetingId);
    expect(await occurrenceStarts(series!.id)).toEqual([
      '2027-04-13T08:00:00.000Z',
      '2027-05-11T08:00:00.000Z',
      '2027-06-08T08:00:00.000Z',
      '2027-07-13T08:00:00.000Z',
    ]);
  });

  it('a rule Webex cannot repeat fails with its reason and makes no Webex call', async () => {
    const request = await requestMeeting({
      start: '2027-04-13T08:00:00Z',
      end: '2027-04-13T09:00:00Z',
      timeZone: berlin,
      recurrence: ['RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=TH;BYSETPOS=-1'],
    });
    const calls = emulator.requests.list({ pathPrefix: '/v1/meetings' }).length;
    expect(await lifecycle.handle(request)).toMatchObject({
      step: 'fail',
      appended: ['MeetingSchedulingFailed'],
    });
    expect(emulator.requests.list({ pathPrefix: '/v1/meetings' })).toHaveLength(calls);
    expect((await streamOf(request.data.meetingId)).at(-1)!.data).toMatchObject({
      reason: 'unsupported-recurrence',
      message: expect.stringContaining('BYSETPOS=-1 with FREQ=YEARLY'),
      retryable: false,
    });
  });

  it('an UNTIL added by the calendar ("this and following") ends the Webex series there; a deleted series leaves nothing', async () => {
    const request = await requestMeeting({
      start: '2027-03-15T08:00:00Z',
      end: '2027-03-15T09:00:00Z',
      timeZone: berlin,
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6'],
    });
    await lifecycle.handle(request);
    const [series] = liveWebexMeetingsTagged(request.data.meetingId);
    const ended = calendarChange(request, { recurrence: ['RRULE:FREQ=WEEKLY;UNTIL=20270411T215959Z'] });
    expect(await lifecycle.handle(ended)).toMatchObject({
      step: 'update',
      appended: ['MeetingChangeRequested', 'MeetingUpdated'],
    });
    const patch = requestsTo('PATCH', `/v1/meetings/${series!.id}`).at(-1)!;
    // Only the rule: the start of a running series may be past, and Webex drops exceptions on a new start.
    expect(patch.body).toEqual({
      title: 'Design review',
      recurrence: 'FREQ=WEEKLY;UNTIL=20270411T215959Z',
      sendEmail: false,
    });
    expect(await occurrenceStarts(series!.id)).toEqual([
      '2027-03-15T08:00:00.000Z',
      '2027-03-22T08:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
    ]);

    await lifecycle.handle(cancellation(request));
    expect(liveWebexMeetingsTagged(request.data.meetingId)).toEqual([]);
  });

  describe('single occurrences', () => {
    const weeklySeries = async () => {
      const request = await requestMeeting({
        start: '2027-03-15T08:00:00Z',
        end: '2027-03-15T09:00:00Z',
        timeZone: berlin,
        recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6'],
      });
      await lifecycle.handle(request);
      const [series] = liveWebexMeetingsTagged(request.data.meetingId);
      return { request, series: series! };
    };
    // The calendar's instance of the series' occurrence starting at `originalStart`.
    const instanceId = (request: { data: { eventId?: string } }, originalStart: string) =>
      `${request.data.eventId!}_${basicUtc(Date.parse(originalStart))}`;
    const occurrenceChanged = (
      request: Awaited<ReturnType<typeof weeklySeries>>['request'],
      originalStart: string,
      times: { start: string; end: string },
    ) =>
      calendarChange(request, {
        eventId: instanceId(request, originalStart),
        recurringEventId: request.data.eventId,
        originalStartTime: originalStart,
        ...times,
      });
    const occurrenceCancelled = (
      request: Awaited<ReturnType<typeof weeklySeries>>['request'],
      originalStart: string,
    ) =>
      createEvent(CalendarEventChanged, {
        streamId: `calendarEvent-${userId}.${instanceId(request, originalStart)}`,
        tenantId,
        data: {
          change: 'cancelled',
          userId,
          calendarId,
          eventId: instanceId(request, originalStart),
          conference: { meetingId: request.data.meetingId, conferenceId: '1' },
          recurringEventId: request.data.eventId!,
          originalStartTime: originalStart,
        },
      });

    it('occurrence 3 moved by two hours moves only Webex occurrence 3; occurrence 4 cancelled deletes only it', async () => {
      const { request, series } = await weeklySeries();
      const moved = occurrenceChanged(request, '2027-03-29T07:00:00Z', {
        start: '2027-03-29T09:00:00Z',
        end: '2027-03-29T10:00:00Z',
      });
      expect(await lifecycle.handle(moved)).toMatchObject({
        step: 'change-occurrence',
        appended: ['MeetingOccurrenceChangeRequested', 'MeetingOccurrenceApplied'],
      });
      // The same change again changes nothing.
      await lifecycle.handle(moved);
      expect(requestsTo('PATCH', `/v1/meetings/${series.id}_`)).toHaveLength(1);
      expect(await lifecycle.handle(occurrenceCancelled(request, '2027-04-05T07:00:00Z'))).toMatchObject({
        step: 'change-occurrence',
        appended: ['MeetingOccurrenceChangeRequested', 'MeetingOccurrenceApplied'],
      });
      expect(await occurrenceStarts(series.id)).toEqual([
        '2027-03-15T08:00:00.000Z',
        '2027-03-22T08:00:00.000Z',
        '2027-03-29T09:00:00.000Z',
        '2027-04-12T07:00:00.000Z',
        '2027-04-19T07:00:00.000Z',
      ]);
      expect(requestsTo('DELETE', `/v1/meetings/${series.id}_`).map((call) => call.path)).toEqual([
        `/v1/meetings/${series.id}_20270405T070000Z`,
      ]);
      expect(liveWebexMeetingsTagged(request.data.meetingId)).toHaveLength(1);
    });

    it('an occurrence moved off its day is deleted in the series and gets a single meeting, deleted with the series', async () => {
      const { request, series } = await weeklySeries();
      const moved = occurrenceChanged(request, '2027-03-29T07:00:00Z', {
        start: '2027-03-30T07:00:00Z',
        end: '2027-03-30T08:00:00Z',
      });
      expect(await lifecycle.handle(moved)).toMatchObject({
        step: 'change-occurrence',
        appended: [
          'MeetingOccurrenceChangeRequested',
          'MeetingOccurrenceApplied',
          'MeetingOccurrenceApplied',
        ],
      });
      expect(await occurrenceStarts(series.id)).not.toContain('2027-03-29T07:00:00.000Z');
      const [single] = liveWebexMeetingsTagged(`${request.data.meetingId}_20270329T070000Z`);
      expect(single).toMatchObject({ title: 'Design review' });
      expect(new Date(single!.startMs).toISOString()).toBe('2027-03-30T07:00:00.000Z');

      await lifecycle.handle(cancellation(request));
      expect(liveWebexMeetingsTagged(request.data.meetingId)).toEqual([]);
      expect(liveWebexMeetingsTagged(`${request.data.meetingId}_20270329T070000Z`)).toEqual([]);
    });

    it('an occurrence change Webex cannot take now is deferred (MeetingSyncDeferred) and applied on the next attempt', async () => {
      const { request, series } = await weeklySeries();
      emulator.faults.add({ pathPrefix: `/v1/meetings/${series.id}_`, status: 503, times: 20 });
      expect(await lifecycle.handle(occurrenceCancelled(request, '2027-04-05T07:00:00Z'))).toMatchObject({
        step: 'change-occurrence',
        appended: ['MeetingOccurrenceChangeRequested', 'MeetingSyncDeferred'],
        sync: 'deferred',
      });
      expect(await occurrenceStarts(series.id)).toContain('2027-04-05T07:00:00.000Z');
      emulator.faults.clear();
      // The next attempt, as the reconciler makes it when the meeting is due.
      expect(await lifecycle.reconcile(request.data.meetingId, userId)).toMatchObject({
        appended: ['MeetingOccurrenceApplied'],
        sync: 'converged',
      });
      expect(await occurrenceStarts(series.id)).not.toContain('2027-04-05T07:00:00.000Z');
      expect(await sync.find(request.data.meetingId)).toBeUndefined();
    });

    it('a series with 2 EXDATEs has those 2 Webex occurrences deleted and the others untouched; an EXDATE added later deletes its occurrence too', async () => {
      const request = await requestMeeting({
        start: '2027-03-15T08:00:00Z',
        end: '2027-03-15T09:00:00Z',
        timeZone: berlin,
        recurrence: [
          'RRULE:FREQ=WEEKLY;COUNT=6',
          'EXDATE;TZID=Europe/Berlin:20270329T090000',
          'EXDATE:20270412T070000Z',
          // No start of the rule: changes nothing.
          'EXDATE:20270413T070000Z',
        ],
      });
      expect(await lifecycle.handle(request)).toMatchObject({
        step: 'create',
        appended: ['MeetingScheduled', 'MeetingOccurrenceApplied', 'MeetingOccurrenceApplied'],
      });
      const [series] = liveWebexMeetingsTagged(request.data.meetingId);
      expect(series!.recurrence).toBe('FREQ=WEEKLY;COUNT=6');
      expect(await occurrenceStarts(series!.id)).toEqual([
        '2027-03-15T08:00:00.000Z',
        '2027-03-22T08:00:00.000Z',
        '2027-04-05T07:00:00.000Z',
        '2027-04-19T07:00:00.000Z',
      ]);
      expect(requestsTo('DELETE', `/v1/meetings/${series!.id}_`)).toHaveLength(2);
      expect(requestsTo('PATCH', `/v1/meetings/${series!.id}_`)).toHaveLength(0);

      // The calendar excludes one more: the Webex rule stays, so only that occurrence is deleted.
      await lifecycle.handle(
        calendarChange(request, {
          recurrence: [...request.data.recurrence!, 'EXDATE:20270405T070000Z'],
        }),
      );
      expect(requestsTo('PATCH', `/v1/meetings/${series!.id}`).at(-1)!.body).not.toHaveProperty('recurrence');
      expect(requestsTo('DELETE', `/v1/meetings/${series!.id}_`)).toHaveLength(3);
      expect(await occurrenceStarts(series!.id)).toEqual([
        '2027-03-15T08:00:00.000Z',
        '2027-03-22T08:00:00.000Z',
        '2027-04-19T07:00:00.000Z',
      ]);
    });

    it('a series whose times change has its EXDATE occurrences deleted again (Webex brought them back)', async () => {
      const request = await requestMeeting({
        start: '2027-03-15T08:00:00Z',
        end: '2027-03-15T09:00:00Z',
        timeZone: berlin,
        recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6', 'EXDATE:20270329T070000Z'],
      });
      await lifecycle.handle(request);
      const [series] = liveWebexMeetingsTagged(request.data.meetingId);
      expect(await occurrenceStarts(series!.id)).not.toContain('2027-03-29T07:00:00.000Z');
      await lifecycle.handle(
        calendarChange(request, { end: '2027-03-15T09:30:00Z', recurrence: request.data.recurrence }),
      );
      expect(await occurrenceStarts(series!.id)).toHaveLength(5);
      expect(await occurrenceStarts(series!.id)).not.toContain('2027-03-29T07:00:00.000Z');
      expect(requestsTo('DELETE', `/v1/meetings/${series!.id}_`)).toHaveLength(2);
    });

    it('a series whose times change gets its exceptions again (Webex dropped them)', async () => {
      const { request, series } = await weeklySeries();
      await lifecycle.handle(
        occurrenceChanged(request, '2027-03-29T07:00:00Z', {
          start: '2027-03-29T09:00:00Z',
          end: '2027-03-29T10:00:00Z',
        }),
      );
      await lifecycle.handle(
        // Longer: the occurrences keep their starts, and Webex drops its exceptions all the same.
        calendarChange(request, { end: '2027-03-15T09:30:00Z', recurrence: request.data.recurrence }),
      );
      expect(await occurrenceStarts(series.id)).toContain('2027-03-29T09:00:00.000Z');
      expect(requestsTo('PATCH', `/v1/meetings/${series.id}_`)).toHaveLength(2);
    });
  });
});
