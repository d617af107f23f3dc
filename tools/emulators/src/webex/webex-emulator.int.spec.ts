import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorClock } from '../core/clock.js';
import { createWebexEmulator, developmentClient, type WebexEmulator } from './index.js';

const minute = 60_000;
const day = 86_400_000;
const ada = 'ada@example.com';

interface Harness {
  emulator: WebexEmulator;
  url: string;
  control(path: string, body?: unknown, method?: string): Promise<Response>;
  token(
    email?: string,
    clientId?: string,
  ): Promise<{
    access_token: string;
    refresh_token: string;
    expires_in: number;
    refresh_token_expires_in: number;
  }>;
  api(
    path: string,
    init?: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<Response>;
}

async function harness(options: Parameters<typeof createWebexEmulator>[0] = {}): Promise<Harness> {
  const emulator = createWebexEmulator({
    clock: new EmulatorClock(),
    users: [
      {
        email: ada,
        displayName: 'Ada Lovelace',
        timezone: 'Europe/Berlin',
        sites: [{ siteUrl: 'acme.webex.com' }, { siteUrl: 'acme-eu.webex.com', default: true }],
      },
      { email: 'bob@example.com', displayName: 'Bob Builder' },
    ],
    clients: [
      developmentClient,
      {
        clientId: 'other-integration',
        clientSecret: 'other-secret',
        redirectUris: ['https://other.example/cb'],
      },
    ],
    sweepIntervalMs: 0,
    webhookRetryDelaysMs: [50, 50],
    ...options,
  });
  const { url } = await emulator.listen();
  const control = (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') =>
    fetch(`${url}/control${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  let defaultToken: string | undefined;
  const token: Harness['token'] = async (email = ada, clientId = developmentClient.clientId) =>
    (await control('/webex/tokens', { email, clientId })).json() as never;
  const api: Harness['api'] = async (path, init = {}) => {
    defaultToken ??= (await token()).access_token;
    return fetch(`${url}/v1${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${init.token ?? defaultToken}`,
        'content-type': 'application/json',
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  };
  return { emulator, url, control, token, api };
}

/** A time on a whole minute, `minutesAhead` from the emulator's now. */
const ahead = (emulator: WebexEmulator, minutesAhead: number) =>
  new Date(Math.ceil(emulator.clock.nowMs() / minute) * minute + minutesAhead * minute);

describe('Webex emulator: meetings', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.emulator.close());

  const create = (body: Record<string, unknown>) =>
    h.api('/meetings', {
      body: {
        title: 'Planning',
        start: ahead(h.emulator, 60).toISOString(),
        end: ahead(h.emulator, 90).toISOString(),
        ...body,
      },
    });

  it('answers errors in Webex shape with a tracking id, in the body and the header', async () => {
    const response = await fetch(`${h.url}/v1/meetings`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as {
      message: string;
      errors: Array<{ description: string }>;
      trackingId: string;
    };
    expect(body).toEqual({
      message: expect.any(String),
      errors: [{ description: expect.any(String) }],
      trackingId: expect.stringMatching(/^ROUTER_[0-9A-F-]{36}$/),
    });
    expect(response.headers.get('trackingid')).toBe(body.trackingId);
  });

  it('creates a realistic meeting series on the default site, in the requested zone', async () => {
    const response = await create({
      timezone: 'Asia/Shanghai',
      integrationTags: ['ours-1'],
      invitees: [{ email: 'bob@example.com', displayName: 'Bob' }],
    });
    expect(response.status).toBe(200);
    const meeting = (await response.json()) as Record<string, unknown>;
    expect(meeting).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{28}0402$/),
      meetingNumber: expect.stringMatching(/^\d{10}$/),
      meetingType: 'meetingSeries',
      scheduledType: 'meeting',
      state: 'active',
      timezone: 'Asia/Shanghai',
      start: expect.stringMatching(/\+08:00$/),
      siteUrl: 'acme-eu.webex.com',
      webLink: expect.stringMatching(/^https:\/\/acme-eu\.webex\.com\/acme\/j\.php\?MTID=m[0-9a-f]{32}$/),
      hostEmail: ada,
      hostDisplayName: 'Ada Lovelace',
      integrationTags: ['ours-1'],
      password: expect.stringMatching(/^(?=.*[A-Z])(?=.*[a-z])(?=.*\d).{8}$/),
    });
    expect(meeting.sipAddress).toBe(`${String(meeting.meetingNumber)}@acme-eu.webex.com`);
    expect(meeting.telephony).toMatchObject({
      accessCode: meeting.meetingNumber,
      callInNumbers: expect.arrayContaining([expect.objectContaining({ tollType: 'toll' })]),
    });
    expect(h.emulator.state.invitees.get(String(meeting.id))).toEqual([
      {
        id: expect.stringMatching(new RegExp(`^${String(meeting.id)}_\\d+$`)),
        email: 'bob@example.com',
        displayName: 'Bob',
      },
    ]);
  });

  it.each([
    ['a title over 128 characters', { title: 'x'.repeat(129) }, /128/],
    [
      'a start in the past',
      { start: new Date(Date.now() - 2 * minute).toISOString() },
      /start cannot be before/,
    ],
    ['less than 10 minutes', { end: 'start+9' }, /shorter than 10 minutes/],
    ['24 hours (longer than 23 h 59 min)', { end: 'start+1440' }, /23 hours 59 minutes/],
    ['end before start', { end: 'start-30' }, /end cannot be before/],
    ['an offset instead of an IANA zone', { timezone: '+01:00' }, /IANA/],
    ['an unknown zone', { timezone: 'Mars/Olympus_Mons' }, /IANA/],
    [
      'four integration tags',
      { integrationTags: ['a', 'b', 'c', 'd'] },
      /maximum size of integrationTags is 3/,
    ],
    ['a 65-character integration tag', { integrationTags: ['t'.repeat(65)] }, /64 characters/],
    ['an invitee without a valid email', { invitees: [{ displayName: 'Nobody' }] }, /email/],
    ['a start that is not ISO 8601', { start: 'next tuesday' }, /ISO 8601/],
    ['a site the user does not have', { siteUrl: 'evil.example.com' }, /siteUrl/],
    ['a title that is not a string', { title: 42 }, /title must be a string/],
  ])('refuses %s with 400', async (_case, overrides, message) => {
    const start = ahead(h.emulator, 60);
    const resolved = { ...overrides } as Record<string, unknown>;
    if (typeof resolved.end === 'string' && resolved.end.startsWith('start')) {
      resolved.start = start.toISOString();
      resolved.end = new Date(start.getTime() + Number(resolved.end.slice(5)) * minute).toISOString();
    }
    const before = h.emulator.state.meetings.size;
    const response = await create(resolved);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string; errors: Array<{ description: string }> };
    expect(body.errors.map((error) => error.description).join(' ')).toMatch(message);
    expect(h.emulator.state.meetings.size).toBe(before);
  });

  it('accepts the limits: 128-character title, 10 minutes, 23 h 59 min, 3 tags of 64 characters', async () => {
    const start = ahead(h.emulator, 60);
    for (const [minutes, extra] of [
      [10, { title: 'x'.repeat(128) }],
      [23 * 60 + 59, { integrationTags: ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)] }],
    ] as const) {
      const response = await create({
        start: start.toISOString(),
        end: new Date(start.getTime() + minutes * minute).toISOString(),
        ...extra,
      });
      expect(response.status).toBe(200);
    }
  });

  it('rounds to the minute: a start inside the current minute moves to the next one; wall times use the meeting zone', async () => {
    const now = h.emulator.clock.nowMs();
    const thisMinute = Math.floor(now / minute) * minute;
    const response = await create({
      start: new Date(now + 1).toISOString(),
      end: new Date(thisMinute + 40 * minute + 37_000).toISOString(),
      timezone: 'UTC',
    });
    const meeting = (await response.json()) as { start: string; end: string };
    // The request is handled within the same minute unless the machine is very slow; allow the next one.
    expect([thisMinute + minute, thisMinute + 2 * minute]).toContain(Date.parse(meeting.start));
    expect(Date.parse(meeting.end)).toBe(thisMinute + 40 * minute);

    const local = await create({
      start: '2099-06-01T09:00:00',
      end: '2099-06-01T09:30:00',
      timezone: 'Europe/Berlin',
    });
    expect(((await local.json()) as { start: string }).start).toBe('2099-06-01T09:00:00+02:00');
  });

  it('lists by integration tag, in the next 7 days by default, paging through Link rel="next"', async () => {
    const tag = 'list-tag';
    for (const minutesAhead of [60, 120, 180])
      await create({
        integrationTags: [tag],
        start: ahead(h.emulator, minutesAhead).toISOString(),
        end: ahead(h.emulator, minutesAhead + 30).toISOString(),
      });
    await create({
      integrationTags: [tag],
      start: ahead(h.emulator, 10 * 24 * 60).toISOString(),
      end: ahead(h.emulator, 10 * 24 * 60 + 30).toISOString(),
    });

    const first = await h.api(`/meetings?integrationTag=${tag}&max=2`);
    expect(first.status).toBe(200);
    const link = first.headers.get('link');
    expect(link).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/v1\/meetings\?[^>]+>; rel="next"$/);
    const firstItems = (
      (await first.json()) as { items: Array<{ start: string; timezone: string; meetingSeriesId: string }> }
    ).items;
    expect(firstItems).toHaveLength(2);
    expect(firstItems[0]).toMatchObject({ timezone: 'UTC', start: expect.stringMatching(/Z$/) });
    const next = await h.api(link!.slice(link!.indexOf('/v1/') + 3, link!.indexOf('>')));
    expect(((await next.json()) as { items: unknown[] }).items).toHaveLength(1);
    expect(next.headers.get('link')).toBeNull();

    const to = new Date(h.emulator.clock.nowMs() + 30 * day).toISOString();
    const wide = await h.api(
      `/meetings?integrationTag=${tag}&max=100&to=${encodeURIComponent(to)}&from=${encodeURIComponent(new Date(h.emulator.clock.nowMs()).toISOString())}`,
    );
    expect(((await wide.json()) as { items: unknown[] }).items).toHaveLength(4);

    const zoned = await h.api(`/meetings?integrationTag=${tag}&max=1`, {
      headers: { timezone: 'America/New_York' },
    });
    expect(
      ((await zoned.json()) as { items: Array<{ timezone: string; start: string }> }).items[0],
    ).toMatchObject({ timezone: 'America/New_York', start: expect.stringMatching(/-0[45]:00$/) });
    expect((await h.api('/meetings?max=101')).status).toBe(400);
  });

  it('keeps integration tags private to the OAuth client that set them', async () => {
    await create({ integrationTags: ['private-tag'] });
    const other = (await h.token(ada, 'other-integration')).access_token;
    const listed = await h.api('/meetings?integrationTag=private-tag', { token: other });
    expect(((await listed.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('PATCH changes what it names; PUT needs title, password, start and end; an in-progress meeting cannot change', async () => {
    const meeting = (await (await create({ agenda: 'first' })).json()) as { id: string; title: string };
    const patched = await h.api(`/meetings/${meeting.id}`, {
      method: 'PATCH',
      body: { title: 'Renamed' },
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      id: meeting.id,
      meetingSeriesId: meeting.id,
      title: 'Renamed',
      agenda: 'first',
    });
    const incomplete = await h.api(`/meetings/${meeting.id}`, { method: 'PUT', body: { title: 'No times' } });
    expect(incomplete.status).toBe(400);
    expect(
      (
        await h.api(`/meetings/${meeting.id}`, {
          method: 'PATCH',
          body: { start: new Date(Date.now() - day).toISOString() },
        })
      ).status,
    ).toBe(400);
    await h.control(`/webex/meetings/${meeting.id}/start`, {});
    const during = await h.api(`/meetings/${meeting.id}`, { method: 'PATCH', body: { title: 'Too late' } });
    expect(during.status).toBe(400);
    expect(h.emulator.state.meetings.get(meeting.id)!.title).toBe('Renamed');
  });

  it('DELETE answers 204, then 404 once the meeting is gone; another user never sees it', async () => {
    const meeting = (await (await create({})).json()) as { id: string };
    const bob = (await h.token('bob@example.com')).access_token;
    expect((await h.api(`/meetings/${meeting.id}`, { token: bob })).status).toBe(404);
    const deleted = await h.api(`/meetings/${meeting.id}?sendEmail=false`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect((await h.api(`/meetings/${meeting.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await h.api(`/meetings/${meeting.id}`)).status).toBe(404);
  });

  it('serves people/me, sites and templates', async () => {
    expect(await (await h.api('/people/me')).json()).toMatchObject({
      emails: [ada],
      displayName: 'Ada Lovelace',
      timezone: 'Europe/Berlin',
    });
    expect(await (await h.api('/meetingPreferences/sites')).json()).toEqual({
      sites: [
        { siteUrl: 'acme.webex.com', default: false },
        { siteUrl: 'acme-eu.webex.com', default: true },
      ],
    });
    const templates = (await (await h.api('/meetings/templates?templateType=meeting')).json()) as {
      items: Array<{ templateType: string; siteUrl: string }>;
    };
    expect(templates.items.length).toBeGreaterThan(0);
    expect(
      templates.items.every(
        (template) => template.templateType === 'meeting' && template.siteUrl === 'acme-eu.webex.com',
      ),
    ).toBe(true);
  });

  it('renders injected faults in Webex shape, 429 with Retry-After', async () => {
    const added = await h.control('/faults', {
      method: 'GET',
      pathPrefix: '/v1/people/me',
      status: 429,
      retryAfterSeconds: 7,
      times: 1,
    });
    expect(added.status).toBe(201);
    const limited = await h.api('/people/me');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toMatchObject({
      message: expect.any(String),
      trackingId: expect.stringMatching(/^ROUTER_/),
    });
    expect((await h.api('/people/me')).status).toBe(200);
  });

  it('can create a meeting at once and hold the answer (a create done while its client still waits)', async () => {
    await h.control('/faults', {
      method: 'POST',
      pathPrefix: '/v1/meetings',
      responseLatencyMs: 1_500,
      times: 1,
    });
    const tag = `held-${Date.now()}`;
    const started = Date.now();
    const answer = h.api(`/meetings`, {
      body: {
        title: 'Held answer',
        start: ahead(h.emulator, 60).toISOString(),
        end: ahead(h.emulator, 90).toISOString(),
        integrationTags: [tag],
      },
    });
    // Webex already holds the meeting while the answer is on its way.
    const tagged = async () => {
      const seen = (await (await h.control('/webex/meetings')).json()) as {
        meetings: Array<{ integrationTags?: string[] }>;
      };
      return seen.meetings.filter((meeting) => meeting.integrationTags?.includes(tag)).length;
    };
    for (let polls = 0; (await tagged()) === 0 && polls < 100; polls++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await tagged()).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_400);
    const created = await answer;
    expect(created.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_450);
  });

  it('a meeting changed or deleted in Webex itself (control): the API then shows the change, or 404', async () => {
    const created = await h.api(`/meetings`, {
      body: {
        title: 'Edited in Webex',
        start: ahead(h.emulator, 120).toISOString(),
        end: ahead(h.emulator, 150).toISOString(),
      },
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const start = ahead(h.emulator, 180);
    const end = new Date(start.getTime() + 1_800_000);
    const edit = { title: 'Moved there', start: start.toISOString(), end: end.toISOString() };
    expect((await h.control(`/webex/meetings/${id}`, edit, 'PATCH')).status).toBe(200);
    const read = (await (await h.api(`/meetings/${id}`)).json()) as { title: string; start: string };
    expect(read.title).toBe('Moved there');
    expect(Date.parse(read.start)).toBe(start.getTime());
    const backwards = { start: end.toISOString(), end: start.toISOString() };
    expect((await h.control(`/webex/meetings/${id}`, backwards, 'PATCH')).status).toBe(400);
    expect((await h.control(`/webex/meetings/${id}`, undefined, 'DELETE')).status).toBe(204);
    expect((await h.api(`/meetings/${id}`)).status).toBe(404);
  });

  it('shows meetings as Webex sees them, and every request received', async () => {
    const seen = (await (await h.control('/webex/meetings')).json()) as {
      meetings: Array<{ invitees: unknown[]; integrationTags: string[] }>;
    };
    expect(seen.meetings.some((meeting) => meeting.invitees.length === 1)).toBe(true);
    const requests = (await (await h.control('/requests?pathPrefix=/v1/meetings')).json()) as {
      requests: Array<{ method: string; status: number }>;
    };
    expect(requests.requests.some((entry) => entry.method === 'POST' && entry.status === 400)).toBe(true);
  });
});

describe('Webex emulator: meeting invitees', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.emulator.close());

  interface InviteeAnswer {
    id: string;
    email: string;
    displayName: string;
    coHost: boolean;
    panelist: boolean;
    meetingId: string;
  }

  const newMeeting = async (invitees: Array<Record<string, unknown>> = []) => {
    const response = await h.api('/meetings', {
      body: {
        title: 'Invitees',
        start: ahead(h.emulator, 60).toISOString(),
        end: ahead(h.emulator, 90).toISOString(),
        invitees,
      },
    });
    expect(response.status).toBe(200);
    return String(((await response.json()) as { id: string }).id);
  };
  const list = async (meetingId: string, query = '') => {
    const response = await h.api(`/meetingInvitees?meetingId=${meetingId}${query}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: InviteeAnswer[] }).items;
  };
  const invite = (body: Record<string, unknown>) => h.api('/meetingInvitees', { body });
  const errorOf = async (response: Response) =>
    ((await response.json()) as { message: string; errors: Array<{ description: string }> }).message;

  it('lists the invitees given at create, sorted by email, with Webex ids and defaults', async () => {
    const meetingId = await newMeeting([
      { email: 'zoe@example.org' },
      { email: 'Bob@Example.com', displayName: 'Bob', coHost: true },
    ]);
    expect(await list(meetingId)).toEqual([
      {
        id: expect.stringMatching(new RegExp(`^${meetingId}_\\d+$`)),
        email: 'Bob@Example.com',
        displayName: 'Bob',
        coHost: true,
        panelist: false,
        meetingId,
      },
      // Without a displayName: the email, as Webex shows someone without a Webex account.
      {
        id: expect.stringMatching(new RegExp(`^${meetingId}_\\d+$`)),
        email: 'zoe@example.org',
        displayName: 'zoe@example.org',
        coHost: false,
        panelist: false,
        meetingId,
      },
    ]);
  });

  it('creates, reads, replaces and deletes an invitee; a second invitation of the same email is a 409', async () => {
    const meetingId = await newMeeting();
    const created = await invite({ meetingId, email: 'bob@example.com', sendEmail: false });
    expect(created.status).toBe(200);
    const invitee = (await created.json()) as InviteeAnswer;
    // A Webex user without a given displayName shows under their account's name.
    expect(invitee).toEqual({
      id: expect.stringMatching(new RegExp(`^${meetingId}_\\d+$`)),
      email: 'bob@example.com',
      displayName: 'Bob Builder',
      coHost: false,
      panelist: false,
      meetingId,
    });
    const again = await invite({ meetingId, email: 'BOB@example.com' });
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toBe('User is already a meeting invitee.');

    const read = await h.api(`/meetingInvitees/${invitee.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(invitee);

    const replaced = await h.api(`/meetingInvitees/${invitee.id}`, {
      method: 'PUT',
      body: { email: 'robert@example.com', displayName: 'Robert', coHost: true, sendEmail: false },
    });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toEqual({
      ...invitee,
      email: 'robert@example.com',
      displayName: 'Robert',
      coHost: true,
    });
    await invite({ meetingId, email: 'carol@example.com' });
    const clash = await h.api(`/meetingInvitees/${invitee.id}`, {
      method: 'PUT',
      body: { email: 'Carol@example.com' },
    });
    expect(clash.status).toBe(409);

    const deleted = await h.api(`/meetingInvitees/${invitee.id}?sendEmail=false`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect((await h.api(`/meetingInvitees/${invitee.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await h.api(`/meetingInvitees/${invitee.id}`)).status).toBe(404);
    expect((await list(meetingId)).map((item) => item.email)).toEqual(['carol@example.com']);
    expect(h.emulator.state.invitees.get(meetingId)!.map((item) => item.email)).toEqual([
      'carol@example.com',
    ]);
  });

  it('bulk inserts up to 100, all or nothing: one already invited refuses the list with a 409', async () => {
    const meetingId = await newMeeting([{ email: 'ada.too@example.com' }]);
    const inserted = await h.api('/meetingInvitees/bulkInsert', {
      body: {
        meetingId,
        items: [
          { email: 'one@example.com', displayName: 'One', sendEmail: false },
          { email: 'two@example.com', panelist: false, sendEmail: false },
        ],
      },
    });
    expect(inserted.status).toBe(200);
    const { items } = (await inserted.json()) as { items: InviteeAnswer[] };
    expect(items.map((item) => [item.email, item.displayName, item.meetingId])).toEqual([
      ['one@example.com', 'One', meetingId],
      ['two@example.com', 'two@example.com', meetingId],
    ]);
    expect(new Set(items.map((item) => item.id)).size).toBe(2);

    const conflicting = await h.api('/meetingInvitees/bulkInsert', {
      body: { meetingId, items: [{ email: 'three@example.com' }, { email: 'ONE@example.com' }] },
    });
    expect(conflicting.status).toBe(409);
    expect(await errorOf(conflicting)).toBe('Some users in the list have been invited.');
    expect((await list(meetingId)).map((item) => item.email)).toEqual([
      'ada.too@example.com',
      'one@example.com',
      'two@example.com',
    ]);

    for (const [body, message] of [
      [{ meetingId, items: [] }, /items/],
      [{ meetingId, items: [{ email: 'a@example.com' }, { email: 'A@example.com' }] }, /unique email/],
      [
        { meetingId, items: Array.from({ length: 101 }, (_, index) => ({ email: `p${index}@example.com` })) },
        /100/,
      ],
      [{ meetingId, items: [{ email: 'not-an-email' }] }, /items\[0\]\.email/],
      [{ items: [{ email: 'a@example.com' }] }, /meetingId/],
    ] as const) {
      const refused = await h.api('/meetingInvitees/bulkInsert', { body });
      expect(refused.status).toBe(400);
      expect(await errorOf(refused)).toMatch(message);
    }
    expect(await list(meetingId)).toHaveLength(3);
  });

  it('pages the list with max and Link rel="next"', async () => {
    const meetingId = await newMeeting(
      Array.from({ length: 5 }, (_, index) => ({ email: `person${index}@example.com` })),
    );
    const first = await h.api(`/meetingInvitees?meetingId=${meetingId}&max=2`);
    expect(first.status).toBe(200);
    const emails: string[] = ((await first.json()) as { items: InviteeAnswer[] }).items.map(
      (item) => item.email,
    );
    let link = first.headers.get('link');
    while (link) {
      const next = /^<([^>]+)>; rel="next"$/.exec(link)![1]!;
      expect(next.startsWith(`${h.url}/v1/meetingInvitees?`)).toBe(true);
      const page = await h.api(next.slice(`${h.url}/v1`.length));
      emails.push(...((await page.json()) as { items: InviteeAnswer[] }).items.map((item) => item.email));
      link = page.headers.get('link');
    }
    expect(emails).toEqual(Array.from({ length: 5 }, (_, index) => `person${index}@example.com`));
    for (const max of ['0', '101', 'ten'])
      expect((await h.api(`/meetingInvitees?meetingId=${meetingId}&max=${max}`)).status).toBe(400);
    expect(
      (
        await h.api(
          `/meetingInvitees?meetingId=${meetingId}&cursor=${Buffer.from('minus one').toString('base64url')}`,
        )
      ).status,
    ).toBe(400);
  });

  it('refuses bad input with a 400 in Webex shape and changes nothing', async () => {
    const meetingId = await newMeeting();
    for (const [body, message] of [
      [{ meetingId, email: 'not-an-email' }, /email/],
      [{ meetingId }, /email/],
      [{ email: 'x@example.com' }, /meetingId/],
      [{ meetingId, email: 'x@example.com', displayName: 'x'.repeat(129) }, /128/],
      [{ meetingId, email: 'x@example.com', coHost: 'yes' }, /coHost/],
      [{ meetingId, email: 'x@example.com', sendEmail: 'no' }, /sendEmail/],
    ] as const) {
      const refused = await invite(body);
      expect(refused.status).toBe(400);
      expect(await errorOf(refused)).toMatch(message);
    }
    expect((await h.api('/meetingInvitees')).status).toBe(400);
    const created = (await (await invite({ meetingId, email: 'x@example.com' })).json()) as InviteeAnswer;
    expect((await h.api(`/meetingInvitees/${created.id}`, { method: 'PUT', body: {} })).status).toBe(400);
    expect((await h.api(`/meetingInvitees/${created.id}?sendEmail=maybe`, { method: 'DELETE' })).status).toBe(
      400,
    );
    expect(await list(meetingId)).toEqual([created]);
  });

  it("404 for an unknown or deleted meeting, an unknown invitee, or another host's meeting", async () => {
    const meetingId = await newMeeting([{ email: 'guest@example.com' }]);
    const [guest] = await list(meetingId);
    expect((await h.api('/meetingInvitees?meetingId=00000000000000000000000000000402')).status).toBe(404);
    expect((await invite({ meetingId: 'nope', email: 'x@example.com' })).status).toBe(404);
    expect(
      (
        await h.api('/meetingInvitees/bulkInsert', {
          body: { meetingId: 'nope', items: [{ email: 'x@example.com' }] },
        })
      ).status,
    ).toBe(404);
    for (const method of ['GET', 'DELETE'])
      expect((await h.api(`/meetingInvitees/${meetingId}_1`, { method })).status).toBe(404);
    expect(
      (await h.api(`/meetingInvitees/${meetingId}_1`, { method: 'PUT', body: { email: 'x@example.com' } }))
        .status,
    ).toBe(404);

    // Bob is not the host: for him neither the meeting nor its invitees exist.
    const bob = (await h.token('bob@example.com')).access_token;
    expect((await h.api(`/meetingInvitees?meetingId=${meetingId}`, { token: bob })).status).toBe(404);
    expect((await h.api(`/meetingInvitees/${guest!.id}`, { token: bob })).status).toBe(404);
    expect((await h.api(`/meetingInvitees/${guest!.id}`, { method: 'DELETE', token: bob })).status).toBe(404);
    expect(
      (await h.api('/meetingInvitees', { body: { meetingId, email: 'x@example.com' }, token: bob })).status,
    ).toBe(404);

    expect((await h.api(`/meetings/${meetingId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.api(`/meetingInvitees?meetingId=${meetingId}`)).status).toBe(404);
    expect((await h.api(`/meetingInvitees/${guest!.id}`)).status).toBe(404);
  });

  it('needs a valid token (401), the meeting scopes (403), and the caller as hostEmail (403)', async () => {
    const meetingId = await newMeeting([{ email: 'guest@example.com' }]);
    const [guest] = await list(meetingId);
    expect((await fetch(`${h.url}/v1/meetingInvitees?meetingId=${meetingId}`)).status).toBe(401);
    const readOnly = (await (
      await h.control('/webex/tokens', { email: ada, scopes: ['meeting:schedules_read'] })
    ).json()) as {
      access_token: string;
    };
    expect(
      (await h.api(`/meetingInvitees?meetingId=${meetingId}`, { token: readOnly.access_token })).status,
    ).toBe(200);
    expect(
      (
        await h.api('/meetingInvitees', {
          body: { meetingId, email: 'x@example.com' },
          token: readOnly.access_token,
        })
      ).status,
    ).toBe(403);
    expect(
      (await h.api(`/meetingInvitees/${guest!.id}`, { method: 'DELETE', token: readOnly.access_token }))
        .status,
    ).toBe(403);
    const noScopes = (await (
      await h.control('/webex/tokens', { email: ada, scopes: ['spark:people_read'] })
    ).json()) as {
      access_token: string;
    };
    expect(
      (await h.api(`/meetingInvitees?meetingId=${meetingId}`, { token: noScopes.access_token })).status,
    ).toBe(403);

    expect((await h.api(`/meetingInvitees?meetingId=${meetingId}&hostEmail=${ada}`)).status).toBe(200);
    expect((await h.api(`/meetingInvitees?meetingId=${meetingId}&hostEmail=bob@example.com`)).status).toBe(
      403,
    );
    expect((await invite({ meetingId, email: 'x@example.com', hostEmail: 'bob@example.com' })).status).toBe(
      403,
    );
    expect((await list(meetingId)).map((item) => item.email)).toEqual(['guest@example.com']);
  });

  it('applies injected faults and records requests as on every other route', async () => {
    const meetingId = await newMeeting();
    h.emulator.faults.add({ method: 'POST', pathPrefix: '/v1/meetingInvitees', status: 503, times: 1 });
    const failed = await invite({ meetingId, email: 'x@example.com' });
    expect(failed.status).toBe(503);
    expect(await list(meetingId)).toEqual([]);
    expect((await invite({ meetingId, email: 'x@example.com' })).status).toBe(200);
    const requests = (await (await h.control('/requests?pathPrefix=/v1/meetingInvitees')).json()) as {
      requests: Array<{ method: string; status: number }>;
    };
    expect(requests.requests.filter((entry) => entry.method === 'POST').map((entry) => entry.status)).toEqual(
      expect.arrayContaining([503, 200]),
    );
  });
});

describe('Webex emulator: the 100-creates-per-24-hours limit', () => {
  it('counts failed creates too, answers 429 with Retry-After, and recovers after 24 h', async () => {
    const h = await harness({ meetingCreatesPerDay: 3 });
    try {
      const valid = () => ({
        title: 'Limit',
        start: ahead(h.emulator, 60).toISOString(),
        end: ahead(h.emulator, 90).toISOString(),
      });
      expect((await h.api('/meetings', { body: { ...valid(), title: '' } })).status).toBe(400);
      expect((await h.api('/meetings', { body: { ...valid(), timezone: 'nowhere' } })).status).toBe(400);
      expect((await h.api('/meetings', { body: valid() })).status).toBe(200);
      const limited = await h.api('/meetings', { body: valid() });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(86_000);
      h.emulator.clock.advance(day + minute);
      expect((await h.api('/meetings', { body: valid() })).status).toBe(200);
    } finally {
      await h.emulator.close();
    }
  });
});

describe('Webex emulator: OAuth', () => {
  let h: Harness;
  const redirectUri = 'https://other.example/cb';
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.emulator.close());

  const authorize = async (query: Record<string, string>) =>
    fetch(
      `${h.url}/v1/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'other-integration', redirect_uri: redirectUri, state: 'xyz', login_hint: ada, ...query })}`,
      { redirect: 'manual' },
    );
  const tokenRequest = (form: Record<string, string>) =>
    fetch(`${h.url}/v1/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'other-integration', client_secret: 'other-secret', ...form }),
    });

  it('authorizes, exchanges the code once, and issues 14-day access and 90-day refresh tokens', async () => {
    const redirect = await authorize({});
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('xyz');
    const code = location.searchParams.get('code')!;
    const exchanged = await tokenRequest({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    });
    expect(exchanged.status).toBe(200);
    expect(await exchanged.json()).toMatchObject({
      expires_in: 14 * 86_400,
      refresh_token_expires_in: 90 * 86_400,
      access_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    const again = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({
      error: 'invalid_grant',
      trackingId: expect.stringMatching(/^ROUTER_/),
    });
  });

  it('refuses unknown clients, foreign redirect URIs and wrong secrets', async () => {
    expect((await authorize({ client_id: 'nobody' })).status).toBe(400);
    expect((await authorize({ redirect_uri: 'https://attacker.example/cb' })).status).toBe(400);
    expect(
      (await tokenRequest({ grant_type: 'refresh_token', refresh_token: 'x', client_secret: 'wrong' }))
        .status,
    ).toBe(401);
  });

  it('expires access tokens after 14 days on the emulator clock; refresh rotates; dead refresh tokens get invalid_grant', async () => {
    const issued = await h.token(ada, 'other-integration');
    expect((await h.api('/people/me', { token: issued.access_token })).status).toBe(200);
    h.emulator.clock.advance(14 * day + 1_000);
    expect((await h.api('/people/me', { token: issued.access_token })).status).toBe(401);

    const refreshed = (await (
      await tokenRequest({ grant_type: 'refresh_token', refresh_token: issued.refresh_token })
    ).json()) as { access_token: string; refresh_token: string };
    expect(refreshed.refresh_token).not.toBe(issued.refresh_token);
    expect((await h.api('/people/me', { token: refreshed.access_token })).status).toBe(200);
    const reused = await tokenRequest({ grant_type: 'refresh_token', refresh_token: issued.refresh_token });
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });

    const revoked = await h.control('/webex/tokens/revoke', { email: ada });
    expect(((await revoked.json()) as { revoked: number }).revoked).toBeGreaterThan(0);
    expect(
      (await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshed.refresh_token })).status,
    ).toBe(400);
    expect((await h.api('/people/me', { token: refreshed.access_token })).status).toBe(401);
  });
});

describe('Webex emulator: webhooks', () => {
  let h: Harness;
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ body: string; signature: string | undefined }> = [];
  let failNext = 0;

  beforeAll(async () => {
    h = await harness();
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (failNext > 0) {
          failNext--;
          response.writeHead(503).end();
          return;
        }
        received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: request.headers['x-spark-signature'] as string | undefined,
        });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webex`;
  });
  afterAll(async () => {
    await h.emulator.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('registers, lists, reads and deletes webhooks', async () => {
    const created = await h.api('/webhooks', {
      body: { name: 'tmp', targetUrl: receiverUrl, resource: 'meetings', event: 'deleted' },
    });
    const webhook = (await created.json()) as { id: string; status: string };
    expect(webhook.status).toBe('active');
    expect((await h.api(`/webhooks/${webhook.id}`)).status).toBe(200);
    expect(((await (await h.api('/webhooks')).json()) as { items: unknown[] }).items).toHaveLength(1);
    expect((await h.api(`/webhooks/${webhook.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.api(`/webhooks/${webhook.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(
      (
        await h.api('/webhooks', {
          body: { name: 'bad', targetUrl: 'ftp://x', resource: 'meetings', event: 'ended' },
        })
      ).status,
    ).toBe(400);
  });

  it('delivers signed created and ended events (ended when the clock passes the end), retrying a 5xx', async () => {
    const secret = 'webhook-secret-123';
    for (const event of ['created', 'ended'])
      expect(
        (
          await h.api('/webhooks', {
            body: { name: `meetings ${event}`, targetUrl: receiverUrl, resource: 'meetings', event, secret },
          })
        ).status,
      ).toBe(200);
    failNext = 1;
    const start = ahead(h.emulator, 30);
    const meeting = (await (
      await h.api('/meetings', {
        body: {
          title: 'Hooked',
          start: start.toISOString(),
          end: new Date(start.getTime() + 30 * minute).toISOString(),
        },
      })
    ).json()) as { id: string };
    await h.emulator.webhooks.idle();

    await h.control('/clock/advance', { seconds: 61 * 60 });
    const deliveries = (await (await h.control('/webex/webhook-deliveries?wait=true')).json()) as {
      deliveries: Array<{ event: string; outcome: string; attempts: Array<{ status?: number }> }>;
    };
    expect(
      deliveries.deliveries.map((delivery) => [
        delivery.event,
        delivery.outcome,
        delivery.attempts.map((attempt) => attempt.status),
      ]),
    ).toEqual([
      ['created', 'delivered', [503, 200]],
      ['ended', 'delivered', [200]],
    ]);

    expect(received).toHaveLength(2);
    for (const delivery of received)
      expect(delivery.signature).toBe(createHmac('sha1', secret).update(delivery.body).digest('hex'));
    const ended = JSON.parse(received[1]!.body) as {
      resource: string;
      event: string;
      data: { id: string; meetingSeriesId: string };
    };
    expect(ended).toMatchObject({
      resource: 'meetings',
      event: 'ended',
      data: { id: expect.stringMatching(new RegExp(`^${meeting.id}_I_\\d+$`)), meetingSeriesId: meeting.id },
    });
    expect(h.emulator.state.meetings.get(meeting.id)!.state).toBe('expired');
  });
});
