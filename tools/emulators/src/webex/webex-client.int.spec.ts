// The production Webex client (@scheduler/webex) against this emulator. The test lives with the
// emulator because a library never depends on a tool.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CircuitOpenError } from '@scheduler/resilience';
import {
  MeetingWebhookNotification,
  ReauthorizationRequired,
  RefreshingTokenProvider,
  WebexApiError,
  WebexClient,
  WebexOAuth,
  WebexRateLimited,
  WebexRequestInvalid,
  createWebexCircuitBreaker,
  isOccurrenceOutsideItsDay,
  staticTokenProvider,
  verifyWebexSignature,
  type WebexClientOptions,
  type WebexTokens,
} from '@scheduler/webex';
import { createWebexEmulator, developmentClient, type WebexEmulator } from './index.js';

const host = 'ada@example.com';
const redirectUri = 'https://scheduler.example/oauth/webex/callback';
const day = 86_400_000;

let emulator: WebexEmulator;
let apiUrl: string;

beforeAll(async () => {
  emulator = createWebexEmulator({
    users: [
      {
        email: host,
        displayName: 'Ada Lovelace',
        timezone: 'Europe/Berlin',
        sites: [{ siteUrl: 'acme.webex.com' }],
      },
    ],
    sweepIntervalMs: 0,
  });
  apiUrl = `${(await emulator.listen()).url}/v1`;
});

afterAll(async () => {
  await emulator.close();
});

afterEach(() => {
  emulator.faults.clear();
  emulator.requests.clear();
});

function oauth(): WebexOAuth {
  return new WebexOAuth({
    baseUrl: apiUrl,
    clientId: developmentClient.clientId,
    clientSecret: developmentClient.clientSecret,
    redirectUri,
  });
}

/** The whole OAuth dance against the emulator: authorize, follow the redirect, exchange the code. */
async function authorize(): Promise<WebexTokens> {
  const authorization = await fetch(oauth().authorizationUrl({ state: 'state-1', loginHint: host }), {
    redirect: 'manual',
  });
  expect(authorization.status).toBe(302);
  const location = new URL(authorization.headers.get('location')!);
  expect(location.searchParams.get('state')).toBe('state-1');
  return oauth().exchangeCode(location.searchParams.get('code')!);
}

function client(tokens: WebexClientOptions['tokens'], extra: Partial<WebexClientOptions> = {}): WebexClient {
  return new WebexClient({
    baseUrl: apiUrl,
    tokens,
    timeoutMs: 2_000,
    retry: { baseDelayMs: 20, maxDelayMs: 100, defaultRetryAfterMs: 250 },
    circuitBreaker: createWebexCircuitBreaker({ failureThreshold: 50 }),
    ...extra,
  });
}

async function staticClient(extra: Partial<WebexClientOptions> = {}) {
  const tokens = await authorize();
  return client(staticTokenProvider(tokens.accessToken), extra);
}

function meetingTimes(offsetHours = 2, minutes = 30) {
  const start = new Date(Math.ceil((emulator.clock.nowMs() + offsetHours * 3_600_000) / 60_000) * 60_000);
  return { start: start.toISOString(), end: new Date(start.getTime() + minutes * 60_000).toISOString() };
}

const liveMeetingsTagged = (tag: string) =>
  [...emulator.state.meetings.values()].filter(
    (meeting) => meeting.deletedAtMs === undefined && meeting.integrationTags.includes(tag),
  );

describe('WebexClient against the Webex emulator', () => {
  it('creates, reads, patches, replaces, lists by integration tag and deletes a meeting', async () => {
    const webex = await staticClient();
    const tag = `meeting-${Date.now()}`;
    const { meeting, adopted } = await webex.createMeeting(
      {
        title: 'Design review',
        ...meetingTimes(),
        timezone: 'Europe/Berlin',
        invitees: [{ email: 'bob@example.com', displayName: 'Bob' }],
      },
      { integrationTag: tag },
    );
    expect(adopted).toBe(false);
    expect(meeting.webLink).toMatch(/^https:\/\/acme\.webex\.com\/acme\/j\.php\?MTID=m[0-9a-f]{32}$/);
    expect(meeting.sipAddress).toBe(`${meeting.meetingNumber}@acme.webex.com`);
    expect(meeting.start).toMatch(/\+01:00$/);
    expect(meeting.integrationTags).toEqual([tag]);
    expect(emulator.state.invitees.get(meeting.id)).toEqual([
      {
        id: expect.stringMatching(new RegExp(`^${meeting.id}_\\d+$`)),
        email: 'bob@example.com',
        displayName: 'Bob',
      },
    ]);

    expect((await webex.getMeeting(meeting.id)).title).toBe('Design review');
    expect((await webex.patchMeeting(meeting.id, { title: 'Design review (moved)' })).title).toBe(
      'Design review (moved)',
    );
    const replaced = await webex.replaceMeeting(meeting.id, {
      title: 'Replaced',
      password: 'Secret123',
      ...meetingTimes(3, 45),
    });
    expect(replaced).toMatchObject({ title: 'Replaced', password: 'Secret123', meetingSeriesId: meeting.id });

    const listed = await webex.listMeetingsByIntegrationTag(tag, {
      from: new Date(emulator.clock.nowMs()).toISOString(),
      to: new Date(emulator.clock.nowMs() + day).toISOString(),
    });
    expect(listed.map((item) => item.id)).toEqual([meeting.id]);

    expect(await webex.deleteMeeting(meeting.id, { sendEmail: false })).toBe('deleted');
    expect(await webex.deleteMeeting(meeting.id)).toBe('alreadyGone');
    const gone = await webex.getMeeting(meeting.id).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(WebexApiError);
    expect((gone as WebexApiError).status).toBe(404);
    expect((gone as WebexApiError).trackingId).toMatch(/^ROUTER_/);
  });

  it('follows Link rel="next" pages', async () => {
    const webex = await staticClient();
    const tag = `paged-${Date.now()}`;
    for (let index = 0; index < 5; index++)
      await webex.createMeeting(
        { title: `Page ${index}`, ...meetingTimes(4 + index) },
        { integrationTag: tag },
      );
    const all = await webex.listMeetings({
      integrationTag: tag,
      max: 2,
      from: new Date(emulator.clock.nowMs()).toISOString(),
      to: new Date(emulator.clock.nowMs() + day).toISOString(),
    });
    expect(all.map((item) => item.title)).toEqual(['Page 0', 'Page 1', 'Page 2', 'Page 3', 'Page 4']);
    expect(emulator.requests.list({ method: 'GET', pathPrefix: '/v1/meetings' })).toHaveLength(3);
  });

  it('reads the user, their sites and meeting templates', async () => {
    const webex = await staticClient();
    expect(await webex.getMe()).toMatchObject({
      emails: [host],
      displayName: 'Ada Lovelace',
      timezone: 'Europe/Berlin',
    });
    expect(await webex.listSites()).toEqual([{ siteUrl: 'acme.webex.com', default: true }]);
    const templates = await webex.listMeetingTemplates();
    expect(templates.length).toBeGreaterThan(0);
    expect(templates.every((template) => template.templateType === 'meeting')).toBe(true);
  });
});

describe('recurring meetings', () => {
  it('creates a weekly Berlin series, lists its occurrences across the DST change, moves and deletes one', async () => {
    const webex = await staticClient();
    const { meeting } = await webex.createMeeting(
      {
        title: 'Weekly',
        start: '2027-03-15T09:00:00+01:00',
        end: '2027-03-15T09:30:00+01:00',
        timezone: 'Europe/Berlin',
        recurrence: 'FREQ=WEEKLY;INTERVAL=1;COUNT=4',
        sendEmail: false,
      },
      { integrationTag: `weekly-${Date.now()}` },
    );
    expect(meeting).toMatchObject({
      meetingType: 'meetingSeries',
      recurrence: 'FREQ=WEEKLY;INTERVAL=1;COUNT=4',
    });
    const window = { from: '2027-03-01T00:00:00Z', to: '2027-05-01T00:00:00Z' };
    const occurrences = await webex.listMeetingOccurrences(meeting.id, window);
    expect(occurrences.map((occurrence) => occurrence.start)).toEqual([
      '2027-03-15T08:00:00Z',
      '2027-03-22T08:00:00Z',
      '2027-03-29T07:00:00Z',
      '2027-04-05T07:00:00Z',
    ]);
    expect(occurrences.every((occurrence) => occurrence.meetingSeriesId === meeting.id)).toBe(true);

    const second = occurrences[1]!.id;
    const moved = await webex.patchMeetingOccurrence(second, {
      start: '2027-03-23T10:00:00+01:00',
      end: '2027-03-23T10:30:00+01:00',
    });
    expect(moved).toMatchObject({ id: second, isModified: true, meetingSeriesId: meeting.id });
    expect(
      (await webex.listMeetingOccurrences(meeting.id, { ...window, isModified: true })).map((o) => o.id),
    ).toEqual([second]);
    const refused = await webex
      .patchMeetingOccurrence(second, {
        start: '2027-03-29T10:00:00+02:00',
        end: '2027-03-29T10:30:00+02:00',
      })
      .catch((error: unknown) => error);
    expect(isOccurrenceOutsideItsDay(refused)).toBe(true);

    expect(await webex.deleteMeetingOccurrence(occurrences[2]!.id, { sendEmail: false })).toBe('deleted');
    expect(await webex.deleteMeetingOccurrence(occurrences[2]!.id)).toBe('alreadyGone');
    expect(await webex.listMeetingOccurrences(meeting.id, window)).toHaveLength(3);

    // A new rule on the series brings every occurrence back per the rule; null ends the recurrence.
    const patched = await webex.patchMeeting(meeting.id, { recurrence: 'FREQ=WEEKLY;INTERVAL=2;COUNT=2' });
    expect(patched.recurrence).toBe('FREQ=WEEKLY;INTERVAL=2;COUNT=2');
    expect(
      (await webex.listMeetingOccurrences(meeting.id, window)).map((o) => [o.start, o.isModified]),
    ).toEqual([
      ['2027-03-15T08:00:00Z', false],
      ['2027-03-29T07:00:00Z', false],
    ]);
    const single = await webex.patchMeeting(meeting.id, { recurrence: null });
    expect(single.recurrence).toBeUndefined();
    expect(await webex.listMeetingOccurrences(meeting.id, window)).toHaveLength(1);
  });

  it('refuses a rule with the "RRULE:" prefix before sending; Webex refuses undocumented parts with a 400', async () => {
    const webex = await staticClient();
    const times = { start: '2027-03-15T09:00:00+01:00', end: '2027-03-15T09:30:00+01:00' };
    const prefixed = await webex
      .createMeeting(
        { title: 'x', ...times, recurrence: 'RRULE:FREQ=DAILY' },
        { integrationTag: 'rrule-prefix' },
      )
      .catch((error: unknown) => error);
    expect(prefixed).toBeInstanceOf(WebexRequestInvalid);
    const bySetPosition = await webex
      .createMeeting(
        { title: 'x', ...times, recurrence: 'FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2' },
        { integrationTag: 'rrule-bysetpos' },
      )
      .catch((error: unknown) => error);
    expect(bySetPosition).toBeInstanceOf(WebexApiError);
    expect((bySetPosition as WebexApiError).status).toBe(400);
  });
});

describe('meeting invitees', () => {
  const newMeeting = async (
    webex: WebexClient,
    invitees: Array<{ email: string; displayName?: string }> = [],
  ) =>
    (
      await webex.createMeeting(
        { title: 'Invitees', ...meetingTimes(), invitees, sendEmail: false },
        { integrationTag: `invitees-${Date.now()}-${Math.random()}` },
      )
    ).meeting;
  const storedEmails = (meetingId: string) =>
    (emulator.state.invitees.get(meetingId) ?? []).map((invitee) => invitee.email).sort();

  it('lists, invites, reads, replaces and removes invitees, without emails to them', async () => {
    const webex = await staticClient();
    const meeting = await newMeeting(webex, [{ email: 'bob@example.com', displayName: 'Bob' }]);
    expect(await webex.listMeetingInvitees(meeting.id)).toEqual([
      expect.objectContaining({ email: 'bob@example.com', displayName: 'Bob', meetingId: meeting.id }),
    ]);

    const { invitee, adopted } = await webex.createMeetingInvitee(
      meeting.id,
      { email: 'carol@example.com', displayName: 'Carol' },
      { sendEmail: false },
    );
    expect(adopted).toBe(false);
    expect(invitee).toMatchObject({
      id: expect.stringMatching(/_\d+$/),
      email: 'carol@example.com',
      meetingId: meeting.id,
    });
    expect(
      emulator.requests.list({ method: 'POST', pathPrefix: '/v1/meetingInvitees' })[0]!.body,
    ).toMatchObject({
      meetingId: meeting.id,
      email: 'carol@example.com',
      sendEmail: false,
    });
    expect(await webex.getMeetingInvitee(invitee.id)).toEqual(invitee);
    expect(
      await webex.updateMeetingInvitee(invitee.id, { email: 'carol@example.com', displayName: 'Carol K.' }),
    ).toEqual({ ...invitee, displayName: 'Carol K.' });

    const bulk = await webex.createMeetingInvitees(
      meeting.id,
      [{ email: 'dan@example.com' }, { email: 'eve@example.com', displayName: 'Eve' }],
      { sendEmail: false },
    );
    expect(bulk.adopted).toBe(false);
    expect(bulk.invitees.map((item) => item.email)).toEqual(['dan@example.com', 'eve@example.com']);
    expect(storedEmails(meeting.id)).toEqual([
      'bob@example.com',
      'carol@example.com',
      'dan@example.com',
      'eve@example.com',
    ]);

    expect(await webex.deleteMeetingInvitee(invitee.id, { sendEmail: false })).toBe('deleted');
    expect(
      emulator.requests.list({ method: 'DELETE', pathPrefix: '/v1/meetingInvitees' })[0]!.query,
    ).toMatchObject({
      sendEmail: 'false',
    });
    expect(await webex.deleteMeetingInvitee(invitee.id)).toBe('alreadyGone');
    expect(storedEmails(meeting.id)).toEqual(['bob@example.com', 'dan@example.com', 'eve@example.com']);
  });

  it('follows Link rel="next" pages past 100 invitees', async () => {
    const webex = await staticClient();
    const meeting = await newMeeting(webex);
    await webex.createMeetingInvitees(
      meeting.id,
      Array.from({ length: 100 }, (_, index) => ({
        email: `person${String(index).padStart(3, '0')}@example.com`,
      })),
      { sendEmail: false },
    );
    await webex.createMeetingInvitee(meeting.id, { email: 'zed@example.com' }, { sendEmail: false });
    const all = await webex.listMeetingInvitees(meeting.id);
    expect(all).toHaveLength(101);
    expect(all.at(-1)!.email).toBe('zed@example.com');
    expect(emulator.requests.list({ method: 'GET', pathPrefix: '/v1/meetingInvitees' })).toHaveLength(2);
  });

  it('inviting someone already invited adopts the existing invitee (409, then a lookup)', async () => {
    const webex = await staticClient();
    const meeting = await newMeeting(webex, [{ email: 'Bob@Example.com', displayName: 'Bob' }]);
    const { invitee, adopted } = await webex.createMeetingInvitee(meeting.id, { email: 'bob@example.com' });
    expect(adopted).toBe(true);
    expect(invitee.email).toBe('Bob@Example.com');
    expect(emulator.requests.list().map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual(
      expect.arrayContaining(['POST /v1/meetingInvitees 409', 'GET /v1/meetingInvitees 200']),
    );
    expect(storedEmails(meeting.id)).toEqual(['Bob@Example.com']);
  });

  it('an invitation whose answer was lost is retried and adopted, never made twice', async () => {
    // The fault delays the POST past the client's deadline; Webex still adds the invitee.
    const webex = await staticClient({
      timeoutMs: 300,
      retry: { baseDelayMs: 800, maxDelayMs: 800, random: () => 1 },
    });
    const meeting = await newMeeting(webex);
    emulator.faults.add({ method: 'POST', pathPrefix: '/v1/meetingInvitees', latencyMs: 500, times: 1 });
    const { invitee, adopted } = await webex.createMeetingInvitee(
      meeting.id,
      { email: 'lost@example.com' },
      { sendEmail: false },
    );
    expect(adopted).toBe(true);
    expect(emulator.state.invitees.get(meeting.id)!.map((stored) => stored.id)).toEqual([invitee.id]);
  });

  it('a bulk insert that failed with a 5xx looks the invitees up, then inserts once', async () => {
    const webex = await staticClient();
    const meeting = await newMeeting(webex);
    emulator.requests.clear();
    emulator.faults.add({
      method: 'POST',
      pathPrefix: '/v1/meetingInvitees/bulkInsert',
      status: 503,
      times: 1,
    });
    const { adopted } = await webex.createMeetingInvitees(meeting.id, [
      { email: 'one@example.com' },
      { email: 'two@example.com' },
    ]);
    expect(adopted).toBe(false);
    expect(emulator.requests.list().map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual([
      'POST /v1/meetingInvitees/bulkInsert 503',
      'GET /v1/meetingInvitees 200',
      'POST /v1/meetingInvitees/bulkInsert 200',
    ]);
    expect(storedEmails(meeting.id)).toEqual(['one@example.com', 'two@example.com']);
  });

  it('typed errors: 404 for an unknown meeting; bad input refused before sending', async () => {
    const webex = await staticClient();
    const unknown = await webex
      .listMeetingInvitees('00000000000000000000000000000402')
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(WebexApiError);
    expect((unknown as WebexApiError).status).toBe(404);
    emulator.requests.clear();
    await expect(webex.createMeetingInvitees('any', [])).rejects.toBeInstanceOf(WebexRequestInvalid);
    await expect(
      webex.createMeetingInvitees('any', [{ email: 'a@example.com' }, { email: 'A@example.com' }]),
    ).rejects.toBeInstanceOf(WebexRequestInvalid);
    await expect(
      webex.createMeetingInvitee('any', { email: 'a@example.com', displayName: 'x'.repeat(129) }),
    ).rejects.toBeInstanceOf(WebexRequestInvalid);
    expect(emulator.requests.list()).toEqual([]);
  });
});

describe('webhooks', () => {
  it('registers a meetings/ended webhook and verifies the signed delivery over the raw body', async () => {
    const received: Array<{ raw: Buffer; signature: string | undefined }> = [];
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          raw: Buffer.concat(chunks),
          signature: request.headers['x-spark-signature'] as string | undefined,
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const webex = await staticClient();
      const secret = 'a-long-random-webhook-secret';
      const targetUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/webex`;
      const webhook = await webex.createWebhook({
        name: 'meetings ended',
        targetUrl,
        resource: 'meetings',
        event: 'ended',
        secret,
      });
      expect((await webex.listWebhooks()).map((item) => item.id)).toContain(webhook.id);

      const { meeting } = await webex.createMeeting(
        { title: 'Ends soon', ...meetingTimes(1, 15) },
        { integrationTag: `hook-${Date.now()}` },
      );
      emulator.clock.advance(2 * 3_600_000);
      emulator.tick();
      await emulator.webhooks.idle();

      expect(received).toHaveLength(1);
      const [delivery] = received;
      expect(verifyWebexSignature(delivery!.raw, delivery!.signature, secret)).toBe(true);
      expect(verifyWebexSignature(delivery!.raw, delivery!.signature, 'wrong-secret')).toBe(false);
      const notification = MeetingWebhookNotification.parse(JSON.parse(delivery!.raw.toString('utf8')));
      expect(notification).toMatchObject({
        id: webhook.id,
        event: 'ended',
        data: { meetingSeriesId: meeting.id },
      });
      expect(await webex.deleteWebhook(webhook.id)).toBe('deleted');
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

describe('resilience', () => {
  it('429 with Retry-After: waits at least that long, then succeeds', async () => {
    const delays: number[] = [];
    const webex = await staticClient({ onRetry: (info) => delays.push(info.delayMs) });
    const { meeting } = await webex.createMeeting(
      { title: 'Rate limited read', ...meetingTimes() },
      { integrationTag: `rl-${Date.now()}` },
    );
    emulator.faults.add({
      method: 'GET',
      pathPrefix: `/v1/meetings/${meeting.id}`,
      status: 429,
      retryAfterSeconds: 1,
      times: 1,
    });
    const startedAt = performance.now();
    const read = await webex.getMeeting(meeting.id);
    const elapsed = performance.now() - startedAt;
    expect(read.id).toBe(meeting.id);
    // Timers round to the millisecond; the requested sleep itself is checked exactly below.
    expect(elapsed).toBeGreaterThanOrEqual(995);
    expect(delays).toEqual([expect.any(Number)]);
    expect(delays[0]).toBeGreaterThanOrEqual(1_000);
    expect(
      emulator.requests.list({ pathPrefix: `/v1/meetings/${meeting.id}` }).map((entry) => entry.status),
    ).toEqual([429, 200]);
  });

  it('429 without Retry-After waits the configured default (Webex documents 15 s)', async () => {
    const webex = await staticClient();
    emulator.faults.add({ method: 'GET', pathPrefix: '/v1/people/me', status: 429, times: 1 });
    const startedAt = performance.now();
    await webex.getMe();
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(245);
  });

  it('gives up with WebexRateLimited when Retry-After is longer than it may wait', async () => {
    const webex = await staticClient({ retry: { baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 5_000 } });
    emulator.faults.add({
      method: 'GET',
      pathPrefix: '/v1/people/me',
      status: 429,
      retryAfterSeconds: 3_600,
      times: 1,
    });
    const error = await webex.getMe().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WebexRateLimited);
    expect((error as WebexRateLimited).retryAfterMs).toBe(3_600_000);
    expect((error as WebexRateLimited).trackingId).toMatch(/^ROUTER_/);
  });

  it('5xx: retried, then a success', async () => {
    const webex = await staticClient();
    emulator.faults.add({ method: 'GET', pathPrefix: '/v1/meetingPreferences/sites', status: 503, times: 1 });
    emulator.faults.add({ method: 'GET', pathPrefix: '/v1/meetingPreferences/sites', status: 502, times: 1 });
    expect(await webex.listSites()).toEqual([{ siteUrl: 'acme.webex.com', default: true }]);
    expect(
      emulator.requests.list({ pathPrefix: '/v1/meetingPreferences/sites' }).map((entry) => entry.status),
    ).toEqual([503, 502, 200]);
  });

  it('a timeout is retried like a 5xx', async () => {
    const webex = await staticClient({ timeoutMs: 300 });
    emulator.faults.add({ method: 'GET', pathPrefix: '/v1/people/me', timeout: true, times: 1 });
    expect((await webex.getMe()).emails).toEqual([host]);
  });

  it('a create that failed with 5xx is not retried blindly: it looks the tag up first, then creates once', async () => {
    const webex = await staticClient();
    const tag = `create-500-${Date.now()}`;
    emulator.requests.clear();
    emulator.faults.add({ method: 'POST', pathPrefix: '/v1/meetings', status: 500, times: 1 });
    const { adopted } = await webex.createMeeting(
      { title: 'After a 500', ...meetingTimes() },
      { integrationTag: tag },
    );
    expect(adopted).toBe(false);
    expect(emulator.requests.list().map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual([
      'POST /v1/meetings 500',
      'GET /v1/meetings 200',
      'POST /v1/meetings 200',
    ]);
    expect(liveMeetingsTagged(tag)).toHaveLength(1);
  });

  it('a create whose answer was lost adopts the meeting Webex made instead of creating a second one', async () => {
    // The fault delays the POST past the client's deadline; Webex still creates the meeting.
    const webex = await staticClient({
      timeoutMs: 300,
      retry: { baseDelayMs: 800, maxDelayMs: 800, random: () => 1 },
    });
    const tag = `create-lost-${Date.now()}`;
    const createAttempts = () => [...emulator.state.createAttempts.values()].flat().length;
    const attemptsBefore = createAttempts();
    emulator.faults.add({ method: 'POST', pathPrefix: '/v1/meetings', latencyMs: 500, times: 1 });
    const { meeting, adopted } = await webex.createMeeting(
      { title: 'Answer lost', ...meetingTimes() },
      { integrationTag: tag },
    );
    expect(adopted).toBe(true);
    expect(liveMeetingsTagged(tag).map((stored) => stored.id)).toEqual([meeting.id]);
    expect(createAttempts() - attemptsBefore).toBe(1);
  });

  it('an expired access token is refreshed once, the new refresh token is stored, and the call succeeds', async () => {
    const initial = await authorize();
    const stored: WebexTokens[] = [];
    const tokens = new RefreshingTokenProvider({
      oauth: oauth(),
      tokens: initial,
      onTokens: (fresh) => void stored.push(fresh),
    });
    const webex = client(tokens);
    emulator.clock.advance(15 * day); // past the 14-day access token, well inside the 90-day refresh token
    emulator.requests.clear();

    expect((await webex.getMe()).emails).toEqual([host]);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.refreshToken).not.toBe(initial.refreshToken); // the emulator rotates, as Webex may
    expect(tokens.current.refreshToken).toBe(stored[0]!.refreshToken);
    expect(emulator.requests.list().map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual([
      'GET /v1/people/me 401',
      'POST /v1/access_token 200',
      'GET /v1/people/me 200',
    ]);
    await webex.listSites();
    expect(stored).toHaveLength(1);
  });

  it('invalid_grant on a revoked refresh token becomes ReauthorizationRequired', async () => {
    const initial = await authorize();
    const webex = client(
      new RefreshingTokenProvider({ oauth: oauth(), tokens: initial, onTokens: () => undefined }),
    );
    emulator.state.revokeRefreshTokens({ refreshToken: initial.refreshToken });
    const error = await webex.getMe().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect((error as ReauthorizationRequired).trackingId).toMatch(/^ROUTER_/);
  });

  it('a refresh token older than 90 days is dead: ReauthorizationRequired', async () => {
    const initial = await authorize();
    const webex = client(
      new RefreshingTokenProvider({ oauth: oauth(), tokens: initial, onTokens: () => undefined }),
    );
    emulator.clock.advance(91 * day);
    await expect(webex.getMe()).rejects.toBeInstanceOf(ReauthorizationRequired);
  });

  it('the circuit opens after repeated 5xx and then fails fast without calling Webex', async () => {
    const webex = await staticClient({
      retry: { maxAttempts: 1 },
      circuitBreaker: createWebexCircuitBreaker({ failureThreshold: 2, openDurationMs: 60_000 }),
    });
    emulator.faults.add({ method: 'GET', pathPrefix: '/v1/people/me', status: 503 });
    await expect(webex.getMe()).rejects.toBeInstanceOf(WebexApiError);
    await expect(webex.getMe()).rejects.toBeInstanceOf(WebexApiError);
    await expect(webex.getMe()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(emulator.requests.list({ pathPrefix: '/v1/people/me' })).toHaveLength(2);
  });

  it('never retries a non-idempotent webhook registration', async () => {
    const webex = await staticClient();
    emulator.faults.add({ method: 'POST', pathPrefix: '/v1/webhooks', status: 503, times: 1 });
    const error = await webex
      .createWebhook({
        name: 'ended',
        targetUrl: 'https://scheduler.example/webhooks/webex',
        resource: 'meetings',
        event: 'ended',
        secret: 's3cret',
      })
      .catch((caught: unknown) => caught);
    expect((error as WebexApiError).status).toBe(503);
    expect(emulator.requests.list({ pathPrefix: '/v1/webhooks' })).toHaveLength(1);
  });
});
