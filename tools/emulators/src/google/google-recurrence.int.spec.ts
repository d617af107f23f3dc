import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createGoogleEmulator, type GoogleEmulator } from './index.js';

const clientId = 'recurrence-test-client';
const clientSecret = 'recurrence-test-secret';
const redirectUri = 'http://127.0.0.1/callback';
const alice = 'alice@demo.example';

let emulator: GoogleEmulator;
let token: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk arbitrary response JSON
type Json = Record<string, any>;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: {
      ...(path.startsWith('/control') ? {} : { authorization: `Bearer ${token}` }),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

const events = (calendarId = alice) => `/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events`;
const control = (calendarId = alice) => `/control/google/calendars/${encodeURIComponent(calendarId)}`;
const ids = (items: Json[]) => items.map((item) => item.id as string);
const starts = (items: Json[]) => items.map((item) => new Date(item.start.dateTime as string).toISOString());

/** A 09:00–09:30 Berlin series over the 2027-03-28 change to summer time. */
async function berlinWeekly(recurrence = ['RRULE:FREQ=WEEKLY;COUNT=4']) {
  const created = await call('POST', events(), {
    summary: 'Weekly',
    start: { dateTime: '2027-03-15T09:00:00+01:00', timeZone: 'Europe/Berlin' },
    end: { dateTime: '2027-03-15T09:30:00+01:00', timeZone: 'Europe/Berlin' },
    recurrence,
  });
  expect(created.status).toBe(200);
  return created.body.id as string;
}

async function syncToken(): Promise<string> {
  let page = await call('GET', events());
  while (page.body.nextPageToken)
    page = await call('GET', `${events()}?pageToken=${page.body.nextPageToken}`);
  return page.body.nextSyncToken as string;
}

beforeAll(async () => {
  emulator = await createGoogleEmulator();
  await emulator.listen();
  await call('POST', '/control/google/seed', {
    clients: [{ clientId, clientSecret }],
    users: [{ email: alice, timeZone: 'Europe/Berlin' }],
  });
  const { body: authorized } = await call('POST', '/control/google/authorize', {
    clientId,
    email: alice,
    scopes: ['https://www.googleapis.com/auth/calendar'],
    redirectUri,
  });
  const exchanged = await fetch(`${emulator.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: authorized.code as string,
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uri: redirectUri,
    }).toString(),
  });
  token = ((await exchanged.json()) as { access_token: string }).access_token;
});

afterAll(async () => {
  await emulator.close();
});

describe('Google emulator: recurring events', () => {
  it('expands a weekly 09:00 Berlin series in its zone: 08:00Z before 2027-03-28, 07:00Z after', async () => {
    const seriesId = await berlinWeekly();
    const instances = await call('GET', `${events()}/${seriesId}/instances`);
    expect(instances.status).toBe(200);
    expect(ids(instances.body.items)).toEqual([
      `${seriesId}_20270315T080000Z`,
      `${seriesId}_20270322T080000Z`,
      `${seriesId}_20270329T070000Z`,
      `${seriesId}_20270405T070000Z`,
    ]);
    expect(starts(instances.body.items)).toEqual([
      '2027-03-15T08:00:00.000Z',
      '2027-03-22T08:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
    ]);
    expect(instances.body.items[2]).toMatchObject({
      recurringEventId: seriesId,
      originalStartTime: { dateTime: '2027-03-29T07:00:00.000Z', timeZone: 'Europe/Berlin' },
      start: { timeZone: 'Europe/Berlin' },
    });
    expect(instances.body.items[2]).not.toHaveProperty('recurrence');
    // events.list expands with singleEvents=true; without it the parent comes as it is.
    const single = await call(
      'GET',
      `${events()}?singleEvents=true&timeMin=2027-03-28T00:00:00Z&timeMax=2027-04-30T00:00:00Z`,
    );
    expect(ids(single.body.items)).toEqual([`${seriesId}_20270329T070000Z`, `${seriesId}_20270405T070000Z`]);
    const parents = await call('GET', events());
    expect(parents.body.items.find((item: Json) => item.id === seriesId)).toMatchObject({
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'],
    });
  });

  it('expands a monthly 2nd Tuesday into 4 occurrences, and EXDATE/RDATE lines', async () => {
    const created = await call('POST', events(), {
      summary: 'Second Tuesday',
      start: { dateTime: '2027-01-12T10:00:00+01:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2027-01-12T11:00:00+01:00', timeZone: 'Europe/Berlin' },
      recurrence: [
        'RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=4',
        'EXDATE;TZID=Europe/Berlin:20270209T100000',
        'RDATE;TZID=Europe/Berlin:20270601T100000',
      ],
    });
    const instances = await call('GET', `${events()}/${created.body.id}/instances`);
    expect(starts(instances.body.items)).toEqual([
      '2027-01-12T09:00:00.000Z',
      '2027-03-09T09:00:00.000Z',
      '2027-04-13T08:00:00.000Z',
      '2027-06-01T08:00:00.000Z',
    ]);
    const plain = await call('POST', events(), {
      summary: 'Plain',
      start: { dateTime: '2027-01-12T10:00:00+01:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2027-01-12T11:00:00+01:00', timeZone: 'Europe/Berlin' },
      recurrence: ['RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=4'],
    });
    const plainInstances = await call('GET', `${events()}/${plain.body.id}/instances`);
    expect(plainInstances.body.items.map((item: Json) => item.start.dateTime.slice(0, 10))).toEqual([
      '2027-01-12',
      '2027-02-09',
      '2027-03-09',
      '2027-04-13',
    ]);
  });

  it('refuses rule parts and lines it cannot expand with a 400', async () => {
    for (const recurrence of [
      ['RRULE:FREQ=WEEKLY;WKST=SU'],
      ['EXRULE:FREQ=DAILY'],
      ['RRULE:FREQ=SECONDLY'],
    ]) {
      const refused = await call('POST', events(), {
        summary: 'Refused',
        start: { dateTime: '2027-01-12T10:00:00+01:00', timeZone: 'Europe/Berlin' },
        end: { dateTime: '2027-01-12T11:00:00+01:00', timeZone: 'Europe/Berlin' },
        recurrence,
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.errors[0].reason).toBe('invalid');
    }
  });

  it('instances: timeMin/timeMax, maxResults with pageToken, originalStart, showDeleted', async () => {
    const seriesId = await berlinWeekly(['RRULE:FREQ=DAILY;COUNT=10']);
    const window = await call(
      'GET',
      `${events()}/${seriesId}/instances?timeMin=2027-03-17T00:00:00Z&timeMax=2027-03-20T00:00:00Z`,
    );
    expect(window.body.items.map((item: Json) => item.start.dateTime.slice(0, 10))).toEqual([
      '2027-03-17',
      '2027-03-18',
      '2027-03-19',
    ]);
    const first = await call('GET', `${events()}/${seriesId}/instances?maxResults=4`);
    expect(first.body.items).toHaveLength(4);
    const rest = await call(
      'GET',
      `${events()}/${seriesId}/instances?maxResults=4&pageToken=${first.body.nextPageToken}`,
    );
    const last = await call(
      'GET',
      `${events()}/${seriesId}/instances?maxResults=4&pageToken=${rest.body.nextPageToken}`,
    );
    expect([...first.body.items, ...rest.body.items, ...last.body.items]).toHaveLength(10);
    expect(last.body.nextPageToken).toBeUndefined();
    const one = await call('GET', `${events()}/${seriesId}/instances?originalStart=2027-03-18T08:00:00Z`);
    expect(ids(one.body.items)).toEqual([`${seriesId}_20270318T080000Z`]);

    await call('DELETE', `${events()}/${seriesId}_20270318T080000Z`);
    const without = await call('GET', `${events()}/${seriesId}/instances`);
    expect(without.body.items).toHaveLength(9);
    const withDeleted = await call('GET', `${events()}/${seriesId}/instances?showDeleted=true`);
    expect(withDeleted.body.items).toHaveLength(10);
    expect(withDeleted.body.items[3]).toEqual({
      kind: 'calendar#event',
      etag: expect.any(String),
      id: `${seriesId}_20270318T080000Z`,
      status: 'cancelled',
      recurringEventId: seriesId,
      originalStartTime: { dateTime: '2027-03-18T08:00:00.000Z', timeZone: 'Europe/Berlin' },
    });
    expect((await call('GET', `${events()}/no-such-event/instances`)).status).toBe(404);
  });

  it('exceptions made by PATCH/PUT on an instance id (moved, retitled, cancelled) come in incremental sync', async () => {
    const seriesId = await berlinWeekly();
    const since = await syncToken();
    const moved = await call('PATCH', `${events()}/${seriesId}_20270322T080000Z`, {
      summary: 'Moved',
      start: { dateTime: '2027-03-23T14:00:00+01:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2027-03-23T14:30:00+01:00', timeZone: 'Europe/Berlin' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      id: `${seriesId}_20270322T080000Z`,
      recurringEventId: seriesId,
      originalStartTime: { dateTime: '2027-03-22T08:00:00.000Z' },
      summary: 'Moved',
    });
    const current = await call('GET', `${events()}/${seriesId}_20270329T070000Z`);
    const cancelled = await call('PUT', `${events()}/${seriesId}_20270329T070000Z`, {
      ...current.body,
      status: 'cancelled',
    });
    expect(cancelled.status).toBe(200);

    const changes = await call('GET', `${events()}?syncToken=${since}`);
    expect(changes.body.items).toEqual([
      expect.objectContaining({
        id: `${seriesId}_20270322T080000Z`,
        status: 'confirmed',
        summary: 'Moved',
        recurringEventId: seriesId,
        originalStartTime: { dateTime: '2027-03-22T08:00:00.000Z', timeZone: 'Europe/Berlin' },
        start: { dateTime: '2027-03-23T14:00:00+01:00', timeZone: 'Europe/Berlin' },
      }),
      {
        kind: 'calendar#event',
        etag: expect.any(String),
        id: `${seriesId}_20270329T070000Z`,
        status: 'cancelled',
        recurringEventId: seriesId,
        originalStartTime: { dateTime: '2027-03-29T07:00:00.000Z', timeZone: 'Europe/Berlin' },
      },
    ]);
    // Without singleEvents: the parent and its exceptions; with it, the moved one at its new time.
    const full = await call('GET', `${events()}?showDeleted=true`);
    const family = full.body.items.filter((item: Json) => item.id.startsWith(seriesId));
    expect(ids(family).sort()).toEqual([
      seriesId,
      `${seriesId}_20270322T080000Z`,
      `${seriesId}_20270329T070000Z`,
    ]);
    const instances = await call('GET', `${events()}/${seriesId}/instances`);
    expect(starts(instances.body.items)).toEqual([
      '2027-03-15T08:00:00.000Z',
      '2027-03-23T13:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
    ]);
    // An instance cannot take a rule of its own.
    const refused = await call('PATCH', `${events()}/${seriesId}_20270405T070000Z`, {
      recurrence: ['RRULE:FREQ=DAILY'],
    });
    expect(refused.status).toBe(400);
  });

  it('"this and following" as two client calls: the original ends with UNTIL, a new series starts; both in sync', async () => {
    const seriesId = await berlinWeekly(['RRULE:FREQ=WEEKLY']);
    const since = await syncToken();
    const ended = await call('PATCH', `${events()}/${seriesId}`, {
      recurrence: ['RRULE:FREQ=WEEKLY;UNTIL=20270328T215959Z'],
    });
    expect(ended.status).toBe(200);
    const following = await call('POST', events(), {
      summary: 'Weekly (later)',
      start: { dateTime: '2027-03-29T10:00:00+02:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2027-03-29T10:30:00+02:00', timeZone: 'Europe/Berlin' },
      recurrence: ['RRULE:FREQ=WEEKLY'],
    });
    const changes = await call('GET', `${events()}?syncToken=${since}`);
    expect(ids(changes.body.items)).toEqual([seriesId, following.body.id]);
    const original = await call('GET', `${events()}/${seriesId}/instances`);
    expect(starts(original.body.items)).toEqual(['2027-03-15T08:00:00.000Z', '2027-03-22T08:00:00.000Z']);
    const later = await call(
      'GET',
      `${events()}/${following.body.id}/instances?timeMax=2027-04-13T00:00:00Z`,
    );
    expect(starts(later.body.items)).toEqual([
      '2027-03-29T08:00:00.000Z',
      '2027-04-05T08:00:00.000Z',
      '2027-04-12T08:00:00.000Z',
    ]);
  });

  it('the control split does it as the Calendar UI: COUNT shared out, later exceptions cancelled, conference kept', async () => {
    const seriesId = await berlinWeekly(['RRULE:FREQ=WEEKLY;COUNT=6']);
    await call('PATCH', `${events()}/${seriesId}_20270405T070000Z`, { summary: 'Changed later' });
    const conferenceData = {
      conferenceId: 'webex-123',
      conferenceSolution: { key: { type: 'addOn' }, name: 'Webex' },
      entryPoints: [{ entryPointType: 'video', uri: 'https://acme.webex.com/meet/123' }],
    };
    const withConference = await call('PATCH', `${events()}/${seriesId}?conferenceDataVersion=1`, {
      conferenceData,
    });
    expect(withConference.status).toBe(200);
    const since = await syncToken();
    const split = await call('POST', `${control()}/events/${seriesId}/split`, {
      originalStartTime: '2027-03-29T07:00:00Z',
      changes: { summary: 'Weekly, new room' },
    });
    expect(split.status).toBe(201);
    expect(split.body.original.recurrence).toEqual(['RRULE:FREQ=WEEKLY;UNTIL=20270329T065959Z']);
    expect(split.body.following).toMatchObject({
      summary: 'Weekly, new room',
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'],
      start: { timeZone: 'Europe/Berlin' },
    });
    expect(split.body.following.id).not.toBe(seriesId);
    expect(split.body.following.conferenceData).toEqual(withConference.body.conferenceData);
    const changes = await call('GET', `${events()}?syncToken=${since}`);
    expect(changes.body.items.map((item: Json) => [item.id, item.status])).toEqual([
      [seriesId, 'confirmed'],
      [`${seriesId}_20270405T070000Z`, 'cancelled'],
      [split.body.following.id, 'confirmed'],
    ]);
    const original = await call('GET', `${events()}/${seriesId}/instances`);
    expect(original.body.items).toHaveLength(2);
    const following = await call('GET', `${events()}/${split.body.following.id}/instances`);
    expect(starts(following.body.items)).toEqual([
      '2027-03-29T07:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
      '2027-04-12T07:00:00.000Z',
      '2027-04-19T07:00:00.000Z',
    ]);
    expect(following.body.items[0].summary).toBe('Weekly, new room');
    // Not an occurrence, or the first one (that changes the whole series): refused.
    for (const originalStartTime of ['2027-03-30T07:00:00Z', '2027-03-15T08:00:00Z']) {
      const refused = await call('POST', `${control()}/events/${split.body.following.id}/split`, {
        originalStartTime,
      });
      expect(refused.status).toBeGreaterThanOrEqual(400);
    }
  });
});
