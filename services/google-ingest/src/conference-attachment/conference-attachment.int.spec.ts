import { randomBytes } from 'node:crypto';
import { envelopeToEventToAppend, recordedEventToEnvelope } from '@scheduler/event-store';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JetStreamClient, busNames } from '@scheduler/bus';
import {
  type EventOf,
  MeetingRequested,
  MeetingScheduled,
  createEvent,
  newUuidV7,
  parseEvent,
} from '@scheduler/contracts';
import { isSealedValue } from '@scheduler/crypto-shredding';
import { createWebexEmulator, developmentClient, type WebexEmulator } from '@scheduler/emulators';
import type { RecordedEvent } from '@scheduler/event-store';
import { freePort, localServiceEnvironments } from '@scheduler/local-infra';
import {
  type IsolatedSchema,
  type ServiceProcess,
  eventually,
  isolatedSchema,
  startServiceProcess,
  testInfrastructure,
  uniqueName,
} from '@scheduler/testing';
import {
  codeVerifier,
  type GoogleIngestFixture,
  redirectUri,
  startGoogleIngestFixture,
  tenantId,
} from '../../test/google-ingest.fixture.js';
import { readOurConference } from '../calendar-sync/conference.js';
import { calendarEventStreamId } from '../calendar-sync/event-mapping.js';
import { ConferenceAttacher, MeetingNotRequestedError } from './conference-attacher.js';
import { BusMeetingRecorder, MeetingWriterUnavailableError } from './meeting-recorder.js';

const alice = 'alice@demo.example';

let fixture: GoogleIngestFixture;
let attacher: ConferenceAttacher;
let aliceId: string;
// webex-bridge, the meeting stream's one writer, records ConferenceAttached when asked: it runs
// as its own process on this file's event store, data keys and JetStream prefix.
let webex: WebexEmulator;
let bridgeSchema: IsolatedSchema;
let bridgeEnvironment: Record<string, string>;
let bridge: ServiceProcess | undefined;
let client: JetStreamClient;

const calendarPath = `/google/calendars/${encodeURIComponent(alice)}`;

async function createCalendarEvent(summary: string, startIso: string): Promise<string> {
  const event = await fixture.control(`${calendarPath}/events`, {
    summary,
    start: { dateTime: startIso, timeZone: 'Europe/Berlin' },
    end: { dateTime: new Date(Date.parse(startIso) + 1_800_000).toISOString(), timeZone: 'Europe/Berlin' },
    attendees: [{ email: 'grace@example.com' }],
  });
  return event!.id as string;
}

const storedEvent = async (eventId: string) => {
  const { items } = (await fixture.control(`${calendarPath}/events`)) as {
    items: Array<{ id: string; summary?: string; conferenceData?: Record<string, unknown> }>;
  };
  return items.find((item) => item.id === eventId)!;
};

/** The gateway's MeetingRequested (sealed, as it will be stored) and the bridge's MeetingScheduled. */
async function scheduledMeeting(eventId: string | undefined): Promise<EventOf<typeof MeetingScheduled>> {
  const meetingId = newUuidV7();
  const streamId = `meeting-${meetingId}`;
  const requested = createEvent(MeetingRequested, {
    streamId,
    tenantId,
    correlationId: `corr-${meetingId}`,
    data: {
      meetingId,
      userId: aliceId,
      source: eventId ? 'calendar' : 'gmail',
      calendarId: alice,
      ...(eventId ? { eventId } : { gmailMessageId: 'msg-1' }),
      title: 'Design review',
      start: '2027-04-01T09:00:00Z',
      end: '2027-04-01T09:30:00Z',
      timeZone: 'Europe/Berlin',
      invitees: [{ email: 'grace@example.com' }],
    },
  });
  const sealed = await fixture.codec.encode(requested);
  expect(isSealedValue((sealed.data as { title: unknown }).title)).toBe(true);
  const scheduled = createEvent(MeetingScheduled, {
    streamId,
    tenantId,
    cause: requested,
    data: {
      meetingId,
      webexMeetingId: '5f1e2d3c4b5a69788796a5b4c3d2e1f0',
      meetingNumber: '2551234567',
      siteUrl: 'acme.webex.com',
      webLink: 'https://acme.webex.com/acme/j.php?MTID=m0123456789abcdef0123456789abcdef',
      sipAddress: '2551234567@acme.webex.com',
      password: 'Xy7pQ2mn',
      telephony: {
        accessCode: '2551234567',
        callInNumbers: [
          { label: 'US Toll', callInNumber: '+1-415-655-0001', tollType: 'toll' },
          { label: 'UK Toll Free', callInNumber: '0800 051 3798', tollType: 'tollFree' },
          { label: 'Broken', callInNumber: 'call us', tollType: 'toll' },
        ],
      },
    },
  });
  await fixture.store.append(
    streamId,
    [envelopeToEventToAppend(sealed), envelopeToEventToAppend(scheduled)],
    'no_stream',
  );
  return scheduled;
}

const meetingStream = (scheduled: EventOf<typeof MeetingScheduled>) =>
  fixture.store.readStream(scheduled.streamId);
/** PATCH requests Google received for the event (our conference writes; the control API is not logged). */
const patchesOf = async (eventId: string) => {
  const { requests } = (await fixture.control('/requests?method=PATCH')) as {
    requests: Array<{ path: string; status: number }>;
  };
  return requests.filter((entry) => entry.path.endsWith(`/events/${eventId}`)).length;
};

async function startBridge(): Promise<ServiceProcess> {
  const started = await startServiceProcess(
    { name: 'webex-bridge', main: new URL('../../../webex-bridge/src/main.ts', import.meta.url) },
    bridgeEnvironment,
  );
  await started.waitUntilReady(60_000);
  return started;
}

beforeAll(async () => {
  fixture = await startGoogleIngestFixture('conference_attachment', [
    { email: alice, name: 'Alice Example', siteUrl: 'https://acme.webex.com' },
  ]);
  aliceId = fixture.users[alice]!.sub;
  await fixture.connector.handle({
    tenantId,
    code: await fixture.authorize(alice),
    redirectUri,
    codeVerifier,
    correlationId: 'corr-attach',
  });

  webex = createWebexEmulator({ sweepIntervalMs: 0 });
  await webex.listen(0, '127.0.0.1');
  bridgeSchema = await isolatedSchema('conference_attachment_bridge');
  const busPrefix = uniqueName('conference_attachment');
  const port = await freePort();
  bridgeEnvironment = localServiceEnvironments({
    natsUrl: testInfrastructure().natsUrl,
    eventStoreUrl: fixture.schema.connectionString,
    keyStoreUrl: fixture.schema.connectionString,
    databases: {
      gateway: bridgeSchema.connectionString,
      googleIngest: fixture.schema.connectionString,
      webexBridge: bridgeSchema.connectionString,
      retention: bridgeSchema.connectionString,
    },
    googleUrl: fixture.emulator.url,
    webexUrl: webex.url,
    ports: { gateway: port, googleIngest: port, webexBridge: port, retention: port },
    tenantDomain: tenantId,
    google: { clientId: 'unused', clientSecret: 'unused' },
    webex: developmentClient,
    secrets: {
      oauthStateSecret: randomBytes(32).toString('base64url'),
      keyEncryptionKey: fixture.keyEncryptionKey,
    },
    busPrefix,
    logLevel: 'warn',
  })['webex-bridge'];
  bridge = await startBridge();
  client = new JetStreamClient({ servers: testInfrastructure().natsUrl, names: busNames(busPrefix) });
  await client.connect();
  attacher = new ConferenceAttacher({
    eventStore: fixture.store,
    codec: fixture.sealed,
    tokens: fixture.tokens,
    meetings: new BusMeetingRecorder(client),
    links: fixture.engine,
    clock: () => fixture.emulator.clock.now(),
  });
}, 120_000);

afterAll(async () => {
  await bridge?.stop();
  await client?.close();
  await webex?.close();
  await bridgeSchema?.drop();
  await fixture?.close();
}, 30_000);

describe('ConferenceAttacher', () => {
  let eventId: string;
  let scheduled: EventOf<typeof MeetingScheduled>;

  it('writes our conference into the event (addOn, conferenceId, video, sip, phone, notes) and appends ConferenceAttached', async () => {
    eventId = await createCalendarEvent('Design review', '2027-04-01T09:00:00Z');
    scheduled = await scheduledMeeting(eventId);
    expect(await attacher.attach(scheduled)).toEqual({ outcome: 'attached', patched: true });

    const conference = (await storedEvent(eventId)).conferenceData!;
    expect(readOurConference(conference)).toEqual({
      meetingId: scheduled.data.meetingId,
      conferenceId: '2551234567',
    });
    expect(conference).toMatchObject({
      conferenceSolution: { key: { type: 'addOn' }, name: 'Webex' },
      conferenceId: '2551234567',
      notes: expect.stringContaining('2551234567'),
      entryPoints: [
        {
          entryPointType: 'video',
          uri: scheduled.data.webLink,
          label: 'acme.webex.com',
          meetingCode: '2551234567',
          password: 'Xy7pQ2mn',
        },
        { entryPointType: 'sip', uri: 'sip:2551234567@acme.webex.com' },
        { entryPointType: 'phone', uri: 'tel:+1-415-655-0001', label: 'US Toll', accessCode: '2551234567' },
        { entryPointType: 'phone', uri: 'tel:08000513798', label: 'UK Toll Free' },
      ],
    });

    const stream = await meetingStream(scheduled);
    const attached = stream.filter((event) => event.type === 'ConferenceAttached');
    expect(attached).toHaveLength(1);
    const envelope = parseEvent(recordedEventToEnvelope(attached[0]!));
    expect(envelope).toMatchObject({
      causationId: scheduled.id,
      correlationId: scheduled.correlationId,
      data: { meetingId: scheduled.data.meetingId, calendarId: alice, eventId, conferenceId: '2551234567' },
    });
  });

  it('a redelivery after ConferenceAttached does nothing: no patch, no event', async () => {
    const patches = await patchesOf(eventId);
    expect(patches).toBe(1);
    const revision = (await meetingStream(scheduled)).length;
    expect(await attacher.attach(scheduled)).toEqual({ outcome: 'already-attached' });
    expect(await attacher.attach(scheduled)).toEqual({ outcome: 'already-attached' });
    expect(await patchesOf(eventId)).toBe(patches);
    expect((await meetingStream(scheduled)).length).toBe(revision);
  });

  it('the sync engine then sees the event as ours: created with the link, and a title change gives updated with the link', async () => {
    const streamId = calendarEventStreamId(aliceId, eventId);
    const changes = async () =>
      Promise.all(
        (await fixture.store.readStream(streamId)).map(
          async (event: RecordedEvent) =>
            (await fixture.codec.decode(recordedEventToEnvelope(event))).event.data,
        ),
      ) as Promise<Array<Record<string, unknown>>>;
    const link = { meetingId: scheduled.data.meetingId, conferenceId: '2551234567' };
    await fixture.channels.requestSync(aliceId, alice);
    await eventually(async () => {
      expect((await changes()).map((data) => [data.change, data.conference])).toEqual([['created', link]]);
    });
    await fixture.control(`${calendarPath}/events/${eventId}`, { summary: 'Design review (moved)' }, 'PATCH');
    await fixture.channels.requestSync(aliceId, alice);
    await eventually(async () => {
      const all = await changes();
      expect(all.map((data) => [data.change, data.conference])).toEqual([
        ['created', link],
        ['updated', link],
      ]);
      expect(all[1]!.title).toBe('Design review (moved)');
    });
    await fixture.channels.idle();
  });

  it('after a crash between the patch and ConferenceAttached, the redelivery records without patching again', async () => {
    const crashedEventId = await createCalendarEvent('Crash test', '2027-04-02T09:00:00Z');
    const crashed = await scheduledMeeting(crashedEventId);
    // The first attempt's patch landed; webex-bridge was down, so nothing recorded it: a
    // missing answer is transient, and the transport redelivers.
    await bridge!.stop();
    bridge = undefined;
    await expect(attacher.attach(crashed)).rejects.toBeInstanceOf(MeetingWriterUnavailableError);
    const patches = await patchesOf(crashedEventId);
    expect(patches).toBe(1);
    expect(
      (await meetingStream(crashed)).filter((event) => event.type === 'ConferenceAttached'),
    ).toHaveLength(0);
    bridge = await startBridge();

    expect(await attacher.attach(crashed)).toEqual({ outcome: 'attached', patched: false });
    expect(await patchesOf(crashedEventId)).toBe(1);
    expect(
      (await meetingStream(crashed)).filter((event) => event.type === 'ConferenceAttached'),
    ).toHaveLength(1);
  }, 90_000);

  it('concurrent deliveries of one MeetingScheduled append ConferenceAttached exactly once', async () => {
    const concurrentEventId = await createCalendarEvent('Concurrent', '2027-04-03T09:00:00Z');
    const concurrent = await scheduledMeeting(concurrentEventId);
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => attacher.attach(concurrent)));
    expect(outcomes.filter((outcome) => outcome.outcome === 'attached')).toHaveLength(1);
    expect(
      (await meetingStream(concurrent)).filter((event) => event.type === 'ConferenceAttached'),
    ).toHaveLength(1);
  });

  it('replaces a copied conference of another meeting', async () => {
    const copyId = (await fixture.control(`${calendarPath}/events/${eventId}/duplicate`, {
      start: '2027-04-08T09:00:00Z',
    }))!.id as string;
    expect(readOurConference((await storedEvent(copyId)).conferenceData)?.meetingId).toBe(
      scheduled.data.meetingId,
    );
    const copyMeeting = await scheduledMeeting(copyId);
    expect(await attacher.attach(copyMeeting)).toEqual({ outcome: 'attached', patched: true });
    expect(readOurConference((await storedEvent(copyId)).conferenceData)?.meetingId).toBe(
      copyMeeting.data.meetingId,
    );
  });

  it('a deleted event is not patched: CalendarEventChanged{cancelled} with the link is recorded once', async () => {
    const deletedId = await createCalendarEvent('Deleted', '2027-04-04T09:00:00Z');
    const orphan = await scheduledMeeting(deletedId);
    await fixture.control(`${calendarPath}/events/${deletedId}`, undefined, 'DELETE');
    expect(await attacher.attach(orphan)).toEqual({ outcome: 'event-deleted', recorded: true });
    expect(await attacher.attach(orphan)).toEqual({ outcome: 'event-deleted', recorded: false });
    expect(await patchesOf(deletedId)).toBe(0);
    const cancelled = await fixture.store.readStream(calendarEventStreamId(aliceId, deletedId));
    expect(cancelled.map((event) => [event.type, event.data])).toEqual([
      [
        'CalendarEventChanged',
        {
          change: 'cancelled',
          userId: aliceId,
          calendarId: alice,
          eventId: deletedId,
          conference: { meetingId: orphan.data.meetingId, conferenceId: '2551234567' },
        },
      ],
    ]);
    expect((await meetingStream(orphan)).map((event) => event.type)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
    ]);
  });

  it('an event deleted after our conference was attached, before any sync saw it there, is cancelled with the link by the full resync after a reconnection', async () => {
    const lateEventId = await createCalendarEvent('Deleted before any sync', '2027-04-05T09:00:00Z');
    const late = await scheduledMeeting(lateEventId);
    // As when the account's grant dies right after the patch, no sync hears of the patch or the
    // deletion: the channels are stopped first (and the syncs under way end).
    const account = (await fixture.tokens.accountFor(aliceId))!;
    await fixture.channels.stopWatchesOfDisconnectedAccount(account, new Date(Date.now() + 86_400_000));
    await fixture.channels.idle();
    expect(await attacher.attach(late)).toEqual({ outcome: 'attached', patched: true });
    await fixture.control(`${calendarPath}/events/${lateEventId}`, undefined, 'DELETE');
    const streamId = calendarEventStreamId(aliceId, lateEventId);
    // Nothing said of the event yet: its stream does not exist.
    await expect(fixture.store.readStream(streamId)).rejects.toThrow('does not exist');

    // Reconnected: every calendar is listed in full, and the event is gone from the listing.
    await fixture.engine.requireFullResync(aliceId, 'account-reconnected');
    await fixture.channels.requestSync(aliceId, alice);
    await fixture.channels.idle();
    const changes = await fixture.store.readStream(streamId);
    expect(changes.map((event) => [event.type, event.data])).toEqual([
      [
        'CalendarEventChanged',
        expect.objectContaining({
          change: 'cancelled',
          userId: aliceId,
          calendarId: alice,
          eventId: lateEventId,
          conference: { meetingId: late.data.meetingId, conferenceId: '2551234567' },
        }),
      ],
    ]);
  });

  it('a Gmail meeting has no event to patch; a meeting without MeetingRequested is a typed error', async () => {
    const gmail = await scheduledMeeting(undefined);
    expect(await attacher.attach(gmail)).toEqual({ outcome: 'no-calendar-event' });
    const unknown = { ...gmail, streamId: `meeting-${newUuidV7()}` };
    await expect(attacher.attach(unknown)).rejects.toBeInstanceOf(MeetingNotRequestedError);
  });
});
