import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EmulatorClock } from '../core/clock.js';
import { createWebexEmulator, developmentClient, type WebexEmulator } from './index.js';

const ada = 'ada@example.com';

interface Occurrence {
  id: string;
  meetingSeriesId: string;
  meetingType: string;
  isModified: boolean;
  start: string;
  end: string;
  title: string;
  state: string;
}

describe('Webex emulator: recurring meetings', () => {
  let emulator: WebexEmulator;
  let url: string;
  let token: string;
  const api = (
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    fetch(`${url}/v1${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  const create = async (body: Record<string, unknown>) => {
    const response = await api('/meetings', { body: { title: 'Weekly', ...body } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const occurrences = async (seriesId: string, from: string, to: string, extra = '') => {
    const response = await api(
      `/meetings?meetingSeriesId=${seriesId}&meetingType=scheduledMeeting&from=${from}&to=${to}&max=100${extra}`,
    );
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: Occurrence[] }).items;
  };
  /** A weekly 09:00–10:00 Berlin series over the 2027-03-28 change to summer time. */
  const berlinWeekly = (rule = 'FREQ=WEEKLY;INTERVAL=1;COUNT=4') =>
    create({
      start: '2027-03-15T09:00:00',
      end: '2027-03-15T10:00:00',
      timezone: 'Europe/Berlin',
      recurrence: rule,
    });

  beforeAll(async () => {
    emulator = createWebexEmulator({
      clock: new EmulatorClock(),
      users: [{ email: ada, displayName: 'Ada Lovelace', timezone: 'Europe/Berlin' }],
      sweepIntervalMs: 0,
    });
    url = (await emulator.listen()).url;
    const issued = await fetch(`${url}/control/webex/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ada, clientId: developmentClient.clientId }),
    });
    token = ((await issued.json()) as { access_token: string }).access_token;
  });
  afterAll(() => emulator.close());

  it('expands a weekly 09:00 Berlin series in its zone: 08:00Z in winter, 07:00Z after 2027-03-28', async () => {
    const { status, body: series } = await berlinWeekly();
    expect(status).toBe(200);
    expect(series).toMatchObject({
      meetingType: 'meetingSeries',
      recurrence: 'FREQ=WEEKLY;INTERVAL=1;COUNT=4',
      start: '2027-03-15T09:00:00+01:00',
    });
    const items = await occurrences(String(series.id), '2027-03-01T00:00:00Z', '2027-05-01T00:00:00Z');
    expect(items.map((item) => [item.id, item.start])).toEqual([
      [`${series.id}_20270315T080000Z`, '2027-03-15T08:00:00Z'],
      [`${series.id}_20270322T080000Z`, '2027-03-22T08:00:00Z'],
      [`${series.id}_20270329T070000Z`, '2027-03-29T07:00:00Z'],
      [`${series.id}_20270405T070000Z`, '2027-04-05T07:00:00Z'],
    ]);
    expect(items[0]).toMatchObject({
      meetingSeriesId: series.id,
      meetingType: 'scheduledMeeting',
      isModified: false,
      state: 'scheduled',
      end: '2027-03-15T09:00:00Z',
    });
    expect(items[0]).not.toHaveProperty('recurrence');
    // The timezone header renders the same instants in Berlin time: 09:00 before and after the change.
    const inBerlin = await api(
      `/meetings?meetingSeriesId=${series.id}&meetingType=scheduledMeeting&from=2027-03-01T00:00:00Z&to=2027-05-01T00:00:00Z`,
      { headers: { timezone: 'Europe/Berlin' } },
    );
    const berlin = ((await inBerlin.json()) as { items: Occurrence[] }).items;
    expect(berlin.map((item) => item.start.slice(11))).toEqual([
      '09:00:00+01:00',
      '09:00:00+01:00',
      '09:00:00+02:00',
      '09:00:00+02:00',
    ]);
    // The window is [from, to), paged with Link like every list.
    expect(await occurrences(String(series.id), '2027-03-20T00:00:00Z', '2027-03-29T07:00:00Z')).toHaveLength(
      1,
    );
    const paged = await api(
      `/meetings?meetingSeriesId=${series.id}&meetingType=scheduledMeeting&from=2027-03-01T00:00:00Z&to=2027-05-01T00:00:00Z&max=3`,
    );
    expect(paged.headers.get('link')).toMatch(/rel="next"/);
  });

  it('keeps only the first BYMONTHDAY/BYDAY of a monthly rule; expands the 2nd Tuesday', async () => {
    const { body: byDate } = await create({
      start: '2027-01-10T09:00:00',
      end: '2027-01-10T09:30:00',
      recurrence: 'FREQ=MONTHLY;INTERVAL=1;COUNT=10;BYMONTHDAY=10,11,12',
    });
    expect(byDate.recurrence).toBe('FREQ=MONTHLY;INTERVAL=1;COUNT=10;BYMONTHDAY=10');
    const { body: secondTuesday } = await create({
      start: '2027-01-12T09:00:00',
      end: '2027-01-12T09:30:00',
      timezone: 'Europe/Berlin',
      recurrence: 'FREQ=MONTHLY;BYDAY=2TU,4TU;COUNT=4',
    });
    expect(secondTuesday.recurrence).toBe('FREQ=MONTHLY;BYDAY=2TU;COUNT=4');
    const items = await occurrences(String(secondTuesday.id), '2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z');
    expect(items.map((item) => item.id.split('_')[1])).toEqual([
      '20270112T080000Z',
      '20270209T080000Z',
      '20270309T080000Z',
      '20270413T070000Z',
    ]);
  });

  it.each([
    ['RRULE:FREQ=DAILY;COUNT=3', 'without "RRULE:"'],
    ['FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2', 'BYSETPOS is not supported'],
    ['FREQ=YEARLY;BYMONTH=3', 'BYMONTH is not supported'],
    ['FREQ=WEEKLY;WKST=MO', 'WKST is not supported'],
    ['FREQ=HOURLY', 'FREQ must be'],
    ['FREQ=DAILY;COUNT=3;UNTIL=20270401T000000Z', 'COUNT and UNTIL'],
    ['FREQ=WEEKLY;BYDAY=2TU', 'not a list of weekdays'],
    ['FREQ=DAILY;COUNT=1827', 'at most 5 years'],
    ['FREQ=YEARLY;UNTIL=20400101T000000Z', 'at most 5 years'],
  ])('refuses %s with a 400 in Webex shape', async (recurrence, reason) => {
    const before = emulator.state.meetings.size;
    const { status, body } = await create({
      start: '2027-02-01T09:00:00',
      end: '2027-02-01T10:00:00',
      recurrence,
    });
    expect(status).toBe(400);
    expect(body.message).toContain(reason);
    expect(body).toHaveProperty('trackingId');
    expect(body).toHaveProperty('errors');
    expect(emulator.state.meetings.size).toBe(before);
  });

  it('accepts the limits: 1826 daily or 261 weekly occurrences, and open-ended rules (expanded 5 years)', async () => {
    const times = { start: '2027-02-01T09:00:00', end: '2027-02-01T10:00:00' };
    expect((await create({ ...times, recurrence: 'FREQ=DAILY;COUNT=1826' })).status).toBe(200);
    expect((await create({ ...times, recurrence: 'FREQ=WEEKLY;COUNT=261' })).status).toBe(200);
    const { body: open } = await create({ ...times, recurrence: 'FREQ=WEEKLY;BYDAY=MO,WE' });
    const response = await fetch(`${url}/control/webex/meetings/${open.id}/occurrences`);
    const { occurrences: all } = (await response.json()) as { occurrences: unknown[] };
    expect(all.length).toBeGreaterThan(500);
    expect(all.length).toBeLessThanOrEqual(2 * 262);
  });

  it('PATCH on an occurrence changes only it (isModified); Rule 5 keeps its start within its day window', async () => {
    const { body: series } = await berlinWeekly();
    const second = `${series.id}_20270322T080000Z`;
    const moved = await api(`/meetings/${second}`, {
      method: 'PATCH',
      body: { title: 'Moved', start: '2027-03-22T14:00:00+01:00', end: '2027-03-22T15:00:00+01:00' },
    });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({
      id: second,
      meetingSeriesId: series.id,
      meetingType: 'scheduledMeeting',
      isModified: true,
      title: 'Moved',
      start: '2027-03-22T14:00:00+01:00',
    });
    const items = await occurrences(String(series.id), '2027-03-01T00:00:00Z', '2027-05-01T00:00:00Z');
    expect(items.map((item) => [item.title, item.isModified])).toEqual([
      ['Weekly', false],
      ['Moved', true],
      ['Weekly', false],
      ['Weekly', false],
    ]);
    expect(
      await occurrences(
        String(series.id),
        '2027-03-01T00:00:00Z',
        '2027-05-01T00:00:00Z',
        '&isModified=true',
      ),
    ).toHaveLength(1);
    // Later within its window (before 00:00 of the next occurrence's day) is fine; into that day is not.
    const late = await api(`/meetings/${second}`, {
      method: 'PATCH',
      body: { start: '2027-03-28T22:00:00+02:00', end: '2027-03-28T23:00:00+02:00' },
    });
    expect(late.status).toBe(200);
    for (const start of ['2027-03-29T00:30:00+02:00', '2027-03-21T23:30:00+01:00']) {
      const refused = await api(`/meetings/${second}`, {
        method: 'PATCH',
        body: { start, end: start.replace(/T(\d\d):(\d\d)/, (_match, hour: string) => `T${hour}:50`) },
      });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { message: string }).message).toBe(
        'meeting.err.two_meeting_schedule_at_same_day',
      );
    }
    // The first occurrence has no lower bound, the last no upper bound.
    const first = await api(`/meetings/${series.id}_20270315T080000Z`, {
      method: 'PATCH',
      body: { start: '2027-03-14T09:00:00+01:00', end: '2027-03-14T10:00:00+01:00' },
    });
    expect(first.status).toBe(200);
    // The series cannot take occurrence-only changes the other way round.
    const refused = await api(`/meetings/${second}`, { method: 'PATCH', body: { recurrence: 'FREQ=DAILY' } });
    expect(refused.status).toBe(400);
    // GET by occurrence id answers the occurrence.
    const read = await api(`/meetings/${second}`);
    expect(await read.json()).toMatchObject({
      id: second,
      isModified: true,
      meetingType: 'scheduledMeeting',
    });
  });

  it('DELETE on an occurrence removes only it (204, then 404); on the series, everything', async () => {
    const { body: series } = await berlinWeekly();
    const third = `${series.id}_20270329T070000Z`;
    expect((await api(`/meetings/${third}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/meetings/${third}`, { method: 'DELETE' })).status).toBe(404);
    expect((await api(`/meetings/${third}`)).status).toBe(404);
    const items = await occurrences(String(series.id), '2027-03-01T00:00:00Z', '2027-05-01T00:00:00Z');
    expect(items.map((item) => item.id)).not.toContain(third);
    expect(items).toHaveLength(3);
    expect((await api(`/meetings/${series.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/meetings/${series.id}_20270315T080000Z`)).status).toBe(404);
    expect(await occurrences(String(series.id), '2027-03-01T00:00:00Z', '2027-05-01T00:00:00Z')).toEqual([]);
  });

  it('PATCH on the series with a new start, end or rule drops every exception; recurrence null ends the series', async () => {
    const { body: series } = await berlinWeekly();
    const id = String(series.id);
    await api(`/meetings/${id}_20270322T080000Z`, { method: 'PATCH', body: { title: 'Changed' } });
    await api(`/meetings/${id}_20270329T070000Z`, { method: 'DELETE' });
    // A title alone keeps them.
    await api(`/meetings/${id}`, { method: 'PATCH', body: { title: 'Weekly sync' } });
    let items = await occurrences(id, '2027-03-01T00:00:00Z', '2027-05-01T00:00:00Z');
    expect(items.map((item) => item.title)).toEqual(['Weekly sync', 'Changed', 'Weekly sync']);
    // A new rule brings the deleted and changed occurrences back per the rule.
    const patched = await api(`/meetings/${id}`, {
      method: 'PATCH',
      body: { recurrence: 'FREQ=WEEKLY;INTERVAL=1;COUNT=5' },
    });
    expect(await patched.json()).toMatchObject({ id, recurrence: 'FREQ=WEEKLY;INTERVAL=1;COUNT=5' });
    items = await occurrences(id, '2027-03-01T00:00:00Z', '2027-05-01T00:00:00Z');
    expect(items.map((item) => [item.title, item.isModified])).toEqual(
      Array.from({ length: 5 }, () => ['Weekly sync', false]),
    );
    await api(`/meetings/${id}_20270322T080000Z`, { method: 'PATCH', body: { title: 'Changed again' } });
    await api(`/meetings/${id}`, {
      method: 'PATCH',
      body: { start: '2027-03-15T10:00:00+01:00', end: '2027-03-15T11:00:00+01:00' },
    });
    items = await occurrences(id, '2027-03-01T00:00:00Z', '2027-05-01T00:00:00Z');
    expect(items.every((item) => !item.isModified && item.start.endsWith(':00:00Z'))).toBe(true);
    expect(items[2]!.start).toBe('2027-03-29T08:00:00Z');
    // recurrence: null makes it a one-off meeting: one occurrence, no rule shown.
    const single = await api(`/meetings/${id}`, { method: 'PATCH', body: { recurrence: null } });
    expect(single.status).toBe(200);
    expect(await single.json()).not.toHaveProperty('recurrence');
    expect(await occurrences(id, '2027-03-01T00:00:00Z', '2027-05-01T00:00:00Z')).toHaveLength(1);
  });

  it("a series' invitees are invited to every occurrence; an occurrence's own only to it", async () => {
    const { body: series } = await create({
      start: '2027-03-15T09:00:00',
      end: '2027-03-15T10:00:00',
      recurrence: 'FREQ=DAILY;COUNT=3',
      invitees: [{ email: 'grace@example.com' }],
    });
    const second = `${series.id}_20270316T080000Z`;
    const added = await api('/meetingInvitees', { body: { meetingId: second, email: 'alan@example.com' } });
    expect(added.status).toBe(200);
    // Already invited through the series.
    const twice = await api('/meetingInvitees', { body: { meetingId: second, email: 'grace@example.com' } });
    expect(twice.status).toBe(409);
    const list = async (meetingId: string) =>
      (
        (await (await api(`/meetingInvitees?meetingId=${meetingId}`)).json()) as {
          items: Array<{ email: string }>;
        }
      ).items.map((invitee) => invitee.email);
    expect(await list(second)).toEqual(['alan@example.com', 'grace@example.com']);
    expect(await list(String(series.id))).toEqual(['grace@example.com']);
    expect(await list(`${series.id}_20270317T080000Z`)).toEqual(['grace@example.com']);
  });

  it('the control API shows the rule and every occurrence with what changed on it', async () => {
    const { body: series } = await berlinWeekly();
    await api(`/meetings/${series.id}_20270322T080000Z`, { method: 'PATCH', body: { title: 'Changed' } });
    await api(`/meetings/${series.id}_20270329T070000Z`, { method: 'DELETE' });
    const response = await fetch(`${url}/control/webex/meetings/${series.id}/occurrences`);
    const body = (await response.json()) as {
      recurrence: string;
      occurrences: Array<{
        id: string;
        isModified: boolean;
        deleted: boolean;
        title: string;
        originalStart: string;
      }>;
    };
    expect(body.recurrence).toBe('FREQ=WEEKLY;INTERVAL=1;COUNT=4');
    expect(
      body.occurrences.map((occurrence) => [
        occurrence.originalStart,
        occurrence.isModified,
        occurrence.deleted,
      ]),
    ).toEqual([
      ['2027-03-15T08:00:00.000Z', false, false],
      ['2027-03-22T08:00:00.000Z', true, false],
      ['2027-03-29T07:00:00.000Z', true, true],
      ['2027-04-05T07:00:00.000Z', false, false],
    ]);
    const all = (await (await fetch(`${url}/control/webex/meetings`)).json()) as {
      meetings: Array<{ id: string; recurrence: string | null; exceptionCount: number }>;
    };
    expect(all.meetings.find((meeting) => meeting.id === series.id)).toMatchObject({
      recurrence: 'FREQ=WEEKLY;INTERVAL=1;COUNT=4',
      exceptionCount: 2,
    });
  });
});
