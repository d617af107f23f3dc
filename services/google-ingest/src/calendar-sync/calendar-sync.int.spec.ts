import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { CalendarEventChanged, newUuidV7 } from '@scheduler/contracts';
import { createGoogleEmulator, type GoogleEmulator, EmulatorControl } from '@scheduler/emulators';
import type { PersonalDataCodec } from '@scheduler/crypto-shredding';
import { PostgresEventStore, type RecordedEvent, recordedEventToEnvelope } from '@scheduler/event-store';
import { GoogleCalendarClient, GoogleOAuth } from '@scheduler/google';
import { testPersonalData } from '../../test/google-ingest.fixture.js';
import { sealedEnvelopeCodec } from '@scheduler/runtime';
import { isolatedSchema, type IsolatedSchema } from '@scheduler/testing';
import { type CalendarAccount, CalendarSyncEngine } from './calendar-sync-engine.js';
import { buildOurConferenceData } from './conference.js';
import { calendarEventStreamId } from './event-mapping.js';
import { ensureCalendarSyncSchema } from './migrations.js';

const clientId = 'scheduler-sync-test.apps.googleusercontent.com';
const clientSecret = 'sync-test-secret';
const redirectUri = 'http://127.0.0.1/oauth/google/callback';
const scopes = ['openid', 'email', 'https://www.googleapis.com/auth/calendar'];

let emulator: GoogleEmulator;
let schema: IsolatedSchema;
let pool: pg.Pool;
let store: PostgresEventStore;
let personalData: PersonalDataCodec;
let engine: CalendarSyncEngine;
let alice: CalendarAccount;
let bobEmail: string;
let bobUserId: string;

async function control(path: string, body?: unknown, method?: string) {
  return new EmulatorControl(emulator.url).request(path, body, method);
}

async function connect(email: string, userId: string): Promise<CalendarAccount> {
  const oauth = new GoogleOAuth({
    clientId,
    clientSecret,
    redirectUri,
    endpoints: emulator.endpoints,
  });
  const { code } = (await control('/google/authorize', { clientId, email, scopes, redirectUri })) as {
    code: string;
  };
  const tokens = await oauth.exchangeCode(code);
  const auth = oauth.clientFor({ ...tokens, refreshToken: tokens.refreshToken!, onTokens: () => undefined });
  const calendar = new GoogleCalendarClient({
    auth,
    rootUrl: emulator.endpoints.calendarRootUrl,
    resilience: { baseDelayMs: 20 },
  });
  return { userId, tenantId: 'demo.example', email, calendar };
}

const calendarPath = (calendarId: string) => `/google/calendars/${encodeURIComponent(calendarId)}`;

interface CreatedEvent {
  id: string;
}

/** An event as the user makes it in the Calendar UI; with `meetingId`, it carries our conference. */
async function createCalendarEvent(
  summary: string,
  startIso: string,
  options: { meetingId?: string; calendarId?: string; attendees?: string[] } = {},
): Promise<CreatedEvent> {
  const end = new Date(Date.parse(startIso) + 30 * 60_000).toISOString();
  return (await control(`${calendarPath(options.calendarId ?? alice.email)}/events`, {
    summary,
    start: { dateTime: startIso, timeZone: 'Europe/Berlin' },
    end: { dateTime: end, timeZone: 'Europe/Berlin' },
    ...(options.attendees ? { attendees: options.attendees.map((email) => ({ email })) } : {}),
    ...(options.meetingId ? { conferenceData: conferenceFor(options.meetingId) } : {}),
  })) as unknown as CreatedEvent;
}

const conferenceFor = (meetingId: string, meetingNumber = '2551234567') =>
  buildOurConferenceData({
    meetingId,
    meetingNumber,
    joinUrl: `https://acme.webex.com/acme/j.php?MTID=m${meetingNumber}`,
    siteUrl: 'acme.webex.com',
    sipAddress: `${meetingNumber}@acme.webex.com`,
    dialIn: [{ number: '+1-415-655-0001' }],
  });

const changeEvent = (eventId: string, changes: Record<string, unknown>) =>
  control(`${calendarPath(alice.email)}/events/${eventId}`, changes, 'PATCH');

/** As stored: personal fields sealed. */
const storedCalendarEvents = async (eventId?: string): Promise<RecordedEvent[]> => {
  const events = await store.readAll({ filter: { categories: ['calendarEvent'] } });
  return eventId
    ? events.filter((event) => event.streamId === calendarEventStreamId(alice.userId, eventId))
    : events;
};

/** Opened, as a consumer sees them. */
const calendarEvents = async (eventId?: string): Promise<RecordedEvent[]> =>
  Promise.all(
    (await storedCalendarEvents(eventId)).map(async (event) => ({
      ...event,
      data: (await personalData.decode(recordedEventToEnvelope(event))).event.data as RecordedEvent['data'],
    })),
  );

const watchEvents = () => store.readAll({ filter: { categories: ['calendarWatch'] } });

/** Every row of every private table, as text: what "leaves no trace" is checked against. */
async function privateState(): Promise<string> {
  const tables = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'calendar\\_%'`,
  );
  let text = '';
  for (const { table_name: table } of tables.rows) {
    const rows = await pool.query(`SELECT row_to_json(t)::text AS row FROM "${table}" t`);
    text += rows.rows.map((row: { row: string }) => row.row).join('\n');
  }
  return text;
}

beforeAll(async () => {
  schema = await isolatedSchema('calendar_sync');
  pool = new pg.Pool({ connectionString: schema.connectionString, max: 8 });
  await ensureCalendarSyncSchema(pool);
  store = await PostgresEventStore.connect({ connectionString: schema.connectionString });
  ({ codec: personalData } = await testPersonalData(pool));
  engine = new CalendarSyncEngine({
    pool,
    eventStore: store,
    codec: sealedEnvelopeCodec(personalData),
    pageSize: 3,
  });
  emulator = await createGoogleEmulator({ push: { retryBaseDelayMs: 50 } });
  await emulator.listen();
  const seeded = emulator.seed({
    clients: [{ clientId, clientSecret }],
    users: [
      { email: 'alice@demo.example', name: 'Alice', timeZone: 'Europe/Berlin' },
      { email: 'bob@demo.example', name: 'Bob', timeZone: 'America/New_York' },
    ],
  });
  alice = await connect('alice@demo.example', seeded.users[0]!.sub);
  bobEmail = 'bob@demo.example';
  bobUserId = seeded.users[1]!.sub;
});

afterAll(async () => {
  await emulator?.close();
  await store?.close();
  await pool?.end();
  await schema?.drop();
});

describe('calendar sync', () => {
  let linkedId: string;
  const meetingId = newUuidV7();

  it('first sync is a full one: CalendarSyncReset(initial) and a created event for each event of ours, nothing for the others', async () => {
    const plain = await createCalendarEvent('Dentist (private)', '2027-01-04T07:00:00Z');
    linkedId = (
      await createCalendarEvent('Planning', '2027-01-04T09:00:00Z', {
        meetingId,
        attendees: [bobEmail],
      })
    ).id;
    const result = await engine.syncCalendar(alice, alice.email);
    expect(result).toMatchObject({
      mode: 'full',
      reset: 'initial',
      listed: 2,
      emitted: { created: 1, updated: 0, cancelled: 0 },
    });

    const [created, ...others] = await calendarEvents();
    expect(others).toEqual([]);
    expect(created!.streamId).toBe(calendarEventStreamId(alice.userId, linkedId));
    expect(created!.metadata).toMatchObject({ tenantId: 'demo.example', schemaVersion: 1 });
    expect(created!.data).toMatchObject({
      change: 'created',
      eventId: linkedId,
      calendarId: alice.email,
      organizedByUser: true,
      title: 'Planning',
      start: '2027-01-04T09:00:00.000Z',
      end: '2027-01-04T09:30:00.000Z',
      timeZone: 'Europe/Berlin',
      attendees: [{ email: bobEmail }],
      organizerEmail: alice.email,
      conference: { meetingId, conferenceId: '2551234567' },
    });
    expect(await watchEvents()).toEqual([
      expect.objectContaining({
        type: 'CalendarSyncReset',
        data: { userId: alice.userId, calendarId: alice.email, reason: 'initial' },
      }),
    ]);
    // The private event leaves no trace: neither in the store nor in our tables.
    const everything = JSON.stringify(await store.readAll(), (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
    expect(everything).not.toContain(plain.id);
    expect(everything).not.toContain('Dentist');
    // Ours is there, but its personal fields are sealed under the meeting's key.
    expect(everything).toContain(linkedId);
    expect(everything).not.toContain('Planning');
    expect(everything).not.toContain(bobEmail);
    const [stored] = await storedCalendarEvents(linkedId);
    expect((stored!.data as { title: unknown }).title).toMatchObject({ subject: `meeting:${meetingId}` });
    const state = await privateState();
    expect(state).not.toContain(plain.id);
    expect(state).toContain(linkedId);
  });

  it('a time change emits one updated event with the new times; seeing it again emits nothing', async () => {
    await changeEvent(linkedId, {
      start: { dateTime: '2027-01-04T10:00:00+01:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2027-01-04T11:00:00+01:00', timeZone: 'Europe/Berlin' },
    });
    const result = await engine.syncCalendar(alice, alice.email);
    expect(result).toMatchObject({
      mode: 'incremental',
      listed: 1,
      emitted: { created: 0, updated: 1, cancelled: 0 },
    });
    const events = await calendarEvents(linkedId);
    expect(events).toHaveLength(2);
    expect(events[1]!.data).toMatchObject({
      change: 'updated',
      start: '2027-01-04T09:00:00.000Z',
      end: '2027-01-04T10:00:00.000Z',
    });
    expect(events[1]!.revision).toBe(1n);
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({
      listed: 0,
      emitted: { updated: 0 },
    });
  });

  it('a title change emits one updated event; an edit that changes nothing we act on emits none', async () => {
    await changeEvent(linkedId, { summary: 'Planning (moved)' });
    await changeEvent(linkedId, { description: 'agenda in the doc' });
    const result = await engine.syncCalendar(alice, alice.email);
    expect(result).toMatchObject({ listed: 1, emitted: { updated: 1 }, unchanged: 0 });
    await changeEvent(linkedId, { description: 'agenda moved again' });
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({
      listed: 1,
      emitted: { updated: 0 },
      unchanged: 1,
    });
    const events = await calendarEvents(linkedId);
    expect(events.map((event) => (event.data as { title?: string }).title)).toEqual([
      'Planning',
      'Planning',
      'Planning (moved)',
    ]);
  });

  it('five concurrent syncs of one change (five replicas) emit exactly once', async () => {
    await changeEvent(linkedId, { summary: 'Planning (five times)' });
    const engines = Array.from(
      { length: 5 },
      () => new CalendarSyncEngine({ pool, eventStore: store, codec: sealedEnvelopeCodec(personalData) }),
    );
    // Slow listings keep all five in flight at once (an idle connection each, so none starts late).
    await Promise.all(Array.from({ length: 5 }, () => pool.connect())).then((clients) =>
      clients.forEach((client) => client.release()),
    );
    await control('/faults', {
      method: 'GET',
      pathPrefix: '/calendar/v3/calendars',
      latencyMs: 300,
      times: 5,
    });
    const results = await Promise.all(engines.map((replica) => replica.syncCalendar(alice, alice.email)));
    expect(results.reduce((sum, result) => sum + result.emitted.updated, 0)).toBe(1);
    const titles = (await calendarEvents(linkedId)).map((event) => (event.data as { title: string }).title);
    expect(titles.filter((title) => title === 'Planning (five times)')).toHaveLength(1);
  });

  it('a 410 makes a full resync with CalendarSyncReset(sync-token-expired), and the overlap emits nothing twice', async () => {
    const before = (await calendarEvents()).length;
    for (const day of ['12', '13', '14']) await createCalendarEvent('Private', `2027-01-${day}T09:00:00Z`);
    await changeEvent(linkedId, { summary: 'Planning (after 410)' });
    await control(`${calendarPath(alice.email)}/invalidate-sync-tokens`, {});
    const result = await engine.syncCalendar(alice, alice.email);
    expect(result).toMatchObject({
      mode: 'full',
      reset: 'sync-token-expired',
      emitted: { created: 0, updated: 1, cancelled: 0 },
    });
    expect(result.pages).toBeGreaterThan(1); // pageSize 3: every page followed
    expect((await calendarEvents()).length).toBe(before + 1);
    const resets = (await watchEvents()).filter((event) => event.type === 'CalendarSyncReset');
    expect(resets.map((event) => (event.data as { reason: string }).reason)).toEqual([
      'initial',
      'sync-token-expired',
    ]);
    // A second full resync sees the very same state: nothing to emit.
    await control(`${calendarPath(alice.email)}/invalidate-sync-tokens`, {});
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({
      mode: 'full',
      emitted: { created: 0, updated: 0, cancelled: 0 },
    });
    expect((await calendarEvents()).length).toBe(before + 1);
  });

  it('an event deleted while the token was dead is cancelled by the full resync', async () => {
    const gone = await createCalendarEvent('Short-lived', '2027-01-05T09:00:00Z', { meetingId: newUuidV7() });
    await engine.syncCalendar(alice, alice.email);
    await control(`${calendarPath(alice.email)}/invalidate-sync-tokens`, {});
    await control(`${calendarPath(alice.email)}/events/${gone.id}`, undefined, 'DELETE');
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({
      mode: 'full',
      emitted: { cancelled: 1 },
    });
    expect((await calendarEvents(gone.id)).map((event) => (event.data as { change: string }).change)).toEqual(
      ['created', 'cancelled'],
    );
    expect(await privateState()).not.toContain(gone.id);
  });

  it('a copied event is a created event of its own that still carries the original meeting link', async () => {
    const copy = (await control(`${calendarPath(alice.email)}/events/${linkedId}/duplicate`, {
      start: '2027-01-11T09:00:00Z',
    })) as {
      id: string;
    };
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({ emitted: { created: 1 } });
    const [created] = await calendarEvents(copy.id);
    expect(created!.data).toMatchObject({
      change: 'created',
      eventId: copy.id,
      start: '2027-01-11T09:00:00.000Z',
      conference: { meetingId, conferenceId: '2551234567' },
    });
    expect((created!.data as { iCalUID: string }).iCalUID).not.toContain(linkedId);
  });

  it('an event of ours organised by someone else says so (only the organiser’s edits drive the meeting)', async () => {
    const theirs = await control(`${calendarPath(alice.email)}/events`, {
      summary: 'Bob’s review',
      start: { dateTime: '2027-01-06T09:00:00Z' },
      end: { dateTime: '2027-01-06T09:30:00Z' },
      conferenceData: conferenceFor(newUuidV7(), '2559876543'),
    });
    // The emulator makes the calendar's owner the organiser; Google shows an invitation's organiser.
    const stored = emulator.world.calendarById(alice.email).events.get(theirs!.id as string)!;
    stored.resource.organizer = { email: bobEmail };
    await changeEvent(theirs!.id as string, { summary: 'Bob’s review (v2)' });
    await engine.syncCalendar(alice, alice.email);
    const [event] = await calendarEvents(theirs!.id as string);
    expect(event!.data).toMatchObject({
      change: 'created',
      organizedByUser: false,
      organizerEmail: bobEmail,
      timeZone: 'Europe/Berlin',
    });
  });

  it('deleting an event of ours emits cancelled with the link, then forgets it; deleting another emits nothing', async () => {
    const other = await createCalendarEvent('Lunch', '2027-01-07T11:00:00Z');
    await engine.syncCalendar(alice, alice.email);
    await control(`${calendarPath(alice.email)}/events/${linkedId}`, undefined, 'DELETE');
    await control(`${calendarPath(alice.email)}/events/${other.id}`, undefined, 'DELETE');
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({
      listed: 2,
      emitted: { created: 0, updated: 0, cancelled: 1 },
    });
    const events = await calendarEvents(linkedId);
    expect(events.at(-1)!.data).toEqual({
      change: 'cancelled',
      userId: alice.userId,
      calendarId: alice.email,
      eventId: linkedId,
      conference: { meetingId, conferenceId: '2551234567' },
    });
    expect(await calendarEvents(other.id)).toEqual([]);
    const state = await privateState();
    expect(state).not.toContain(linkedId);
    expect(state).not.toContain(other.id);
  });

  it('removing our conference from an event says so once (conference-removed, with the link it carried), then the event is forgotten', async () => {
    const meetingId = newUuidV7();
    const event = await createCalendarEvent('Detached', '2027-01-08T09:00:00Z', { meetingId });
    await engine.syncCalendar(alice, alice.email);
    const calendar = emulator.world.calendarById(alice.email);
    const changed = emulator.world.changeEvent(
      calendar,
      event.id,
      { conferenceData: null } as never,
      'patch',
      true,
    );
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({
      emitted: { updated: 0, 'conference-removed': 1 },
    });
    const events = await calendarEvents(event.id);
    expect(events.at(-1)!.data).toEqual({
      change: 'conference-removed',
      userId: alice.userId,
      calendarId: alice.email,
      eventId: event.id,
      conference: { meetingId, conferenceId: expect.any(String) },
      updatedAt: new Date(changed.updated!).toISOString(),
    });
    // Seen again (an overlapping sync, a full listing after a 410): nothing more is said.
    emulator.world.invalidateSyncTokens(alice.email);
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({
      emitted: { created: 0, updated: 0, cancelled: 0, 'conference-removed': 0 },
    });
    expect(await calendarEvents(event.id)).toHaveLength(2);
    expect(await privateState()).not.toContain(event.id);
    await changeEvent(event.id, { summary: 'Detached and renamed' });
    await engine.syncCalendar(alice, alice.email);
    expect(await calendarEvents(event.id)).toHaveLength(2);
  });

  it('after a crash between the append and the commit, the retry adopts what the stream holds instead of emitting again', async () => {
    const event = await createCalendarEvent('Crash test', '2027-01-09T09:00:00Z', { meetingId: newUuidV7() });
    await engine.syncCalendar(alice, alice.email);
    await changeEvent(event.id, { summary: 'Crash test (renamed)' });
    const token = await pool.query('SELECT sync_token FROM calendar_sync_state');
    const row = await pool.query('SELECT * FROM calendar_linked_events WHERE event_id = $1', [event.id]);
    await engine.syncCalendar(alice, alice.email);
    // Roll our private state back to before that sync, as if its transaction never committed.
    await pool.query('UPDATE calendar_sync_state SET sync_token = $1', [token.rows[0].sync_token]);
    await pool.query(
      'UPDATE calendar_linked_events SET state_digest = $2, stream_revision = $3 WHERE event_id = $1',
      [event.id, row.rows[0].state_digest, row.rows[0].stream_revision],
    );
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({
      emitted: { updated: 0 },
      unchanged: 1,
    });
    expect(
      (await calendarEvents(event.id)).map((recorded) => (recorded.data as { title: string }).title),
    ).toEqual(['Crash test', 'Crash test (renamed)']);
  });

  it('a series carries its rule; a changed or cancelled occurrence names its series and original start under the series’ meeting', async () => {
    const meetingId = newUuidV7();
    const series = (await control(`${calendarPath(alice.email)}/events`, {
      summary: 'Weekly',
      start: { dateTime: '2027-01-04T09:00:00Z', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2027-01-04T09:30:00Z', timeZone: 'Europe/Berlin' },
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'],
      conferenceData: conferenceFor(meetingId, '2551112222'),
    })) as { id: string };
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({ emitted: { created: 1 } });
    expect((await calendarEvents(series.id))[0]!.data).toMatchObject({
      change: 'created',
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'],
    });
    expect((await calendarEvents(series.id))[0]!.data).not.toHaveProperty('recurringEventId');

    const occurrenceId = `${series.id}_20270111T090000Z`;
    await changeEvent(occurrenceId, { summary: 'Weekly (this one renamed)' });
    const result = await engine.syncCalendar(alice, alice.email);
    expect(result.skipped).toEqual([]);
    expect(result.emitted).toEqual({ created: 1, updated: 0, cancelled: 0, 'conference-removed': 0 });
    const [changed] = await calendarEvents(occurrenceId);
    expect(changed!.data).toMatchObject({
      change: 'created',
      eventId: occurrenceId,
      recurringEventId: series.id,
      originalStartTime: '2027-01-11T09:00:00.000Z',
      conference: { meetingId },
    });
    expect(changed!.data).not.toHaveProperty('recurrence');

    const cancelledId = `${series.id}_20270118T090000Z`;
    await control(`${calendarPath(alice.email)}/events/${series.id}/cancel-instance`, {
      originalStartTime: '2027-01-18T09:00:00Z',
    });
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({ emitted: { cancelled: 1 } });
    expect((await calendarEvents(cancelledId)).map((event) => event.data)).toEqual([
      expect.objectContaining({
        change: 'cancelled',
        recurringEventId: series.id,
        originalStartTime: '2027-01-18T09:00:00.000Z',
        conference: { meetingId, conferenceId: '2551112222' },
      }),
    ]);
    // Listed again (a full sync lists cancelled occurrences too), it says nothing new.
    expect(await engine.syncCalendar(alice, alice.email)).toMatchObject({
      emitted: { created: 0, updated: 0, cancelled: 0, 'conference-removed': 0 },
    });
  });

  it('every emitted event satisfies its contract', async () => {
    for (const event of await calendarEvents())
      expect(() =>
        CalendarEventChanged.parse({
          id: event.id,
          type: event.type,
          streamId: event.streamId,
          ...(event.metadata as object),
          data: event.data,
        }),
      ).not.toThrow();
  });

  // Last: it leaves sync state for other calendars and users, which the tests above do not expect.
  it('on a shared calendar only its owner is the organiser: the owner’s sync says organizedByUser, a delegate’s does not (organizer.self notwithstanding)', async () => {
    // Alice's secondary calendar, shared with Bob: Google names the calendar as the organiser
    // of its events, and its owner (dataOwner) is Alice.
    const team = emulator.world.addCalendar({ ownerEmail: alice.email, summary: 'Team' });
    emulator.world.share(team.id, bobEmail, 'owner');
    const event = await createCalendarEvent('Team sync', '2027-01-06T13:00:00Z', {
      meetingId: newUuidV7(),
      calendarId: team.id,
    });
    const bob = await connect(bobEmail, bobUserId);
    await engine.syncCalendar(alice, team.id);
    await engine.syncCalendar(bob, team.id);
    const opened = async (userId: string) =>
      Promise.all(
        (await store.readAll({ filter: { categories: ['calendarEvent'] } }))
          .filter((recorded) => recorded.streamId === calendarEventStreamId(userId, event.id))
          .map(async (recorded) => (await personalData.decode(recordedEventToEnvelope(recorded))).event.data),
      );
    expect(await opened(alice.userId)).toEqual([
      expect.objectContaining({ change: 'created', calendarId: team.id, organizedByUser: true }),
    ]);
    // Bob reads the calendar with the organiser marked `self`, even with the right to manage sharing.
    expect((await bob.calendar.getEvent(team.id, event.id)).organizer?.self).toBe(true);
    expect(await opened(bobUserId)).toEqual([
      expect.objectContaining({ change: 'created', calendarId: team.id, organizedByUser: false }),
    ]);
  });
});
