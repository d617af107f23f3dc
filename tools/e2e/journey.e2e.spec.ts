import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoGoogleClient, demoTenant } from '@scheduler/emulators';
import { Browser, startJourneyStack, type JourneyStack } from '@scheduler/test-harness';
import { eventually } from '@scheduler/testing';

// The first user journey through the whole system: four service processes, real NATS and
// PostgreSQL, the Google and Webex emulators. Connect both accounts through the gateway's
// OAuth redirects, add a Webex meeting to a Calendar event, change the event, delete it.
const alice = demoTenant.user;

interface MeetingView {
  meetingId: string;
  status: string;
  title?: string;
  start?: string;
  joinLink?: string;
}

interface WebexMeeting {
  id: string;
  title: string;
  start: string;
  end: string;
  timezone: string;
  integrationTags?: string[];
}

let stack: JourneyStack;

expect.extend({
  toBeAtLeastOne(received: number) {
    return { pass: received >= 1, message: () => `expected at least one log line, found ${received}` };
  },
});
declare module 'expect' {
  interface AsymmetricMatchers {
    toBeAtLeastOne(): void;
  }
}
let idToken: string;

/** Follows redirects by hand (the browser's part), returning the final response. */
// The user's browser: it keeps the gateway's OAuth flow cookies from each start to its callback.
const browser = new Browser();

async function browse(url: string, init: RequestInit = {}, hops = 6): Promise<Response> {
  let response = await browser.fetch(url, init);
  for (let hop = 0; hop < hops && response.status >= 300 && response.status < 400; hop++) {
    const location = response.headers.get('location');
    if (!location) break;
    response = await browser.fetch(new URL(location, url));
  }
  return response;
}

async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const response = await fetch(`${stack.gatewayUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      'content-type': 'application/json',
      ...(init.token !== undefined ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** PATCHes of Webex meetings the emulator has received. */
async function webexPatches(): Promise<number> {
  const answer = await stack.webex.request<{ requests: unknown[] }>(
    '/requests?method=PATCH&pathPrefix=/v1/meetings',
  );
  return answer.requests.length;
}

async function eventCount(): Promise<number> {
  const { rows } = await stack.eventStore.query<{ count: string }>(
    `SELECT count(*) AS count FROM "${stack.eventStoreSchema}".event_store_events`,
  );
  return Number(rows[0]!.count);
}

async function webexMeetings(): Promise<WebexMeeting[]> {
  const answer = await stack.webex.request<{ meetings: WebexMeeting[] }>('/webex/meetings');
  return answer.meetings;
}

beforeAll(async () => {
  stack = await startJourneyStack();
  idToken = (
    await stack.google.request<{ idToken: string }>('/google/id-token', {
      email: alice,
      audience: demoGoogleClient.clientId,
    })
  ).idToken;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('journey: connect, add a meeting, keep it in sync', () => {
  it('connects Google through the gateway (google-ingest exchanges the code and watches the calendar)', async () => {
    const returnTo = encodeURIComponent(`${stack.gatewayUrl}/health/live`);
    const done = await browse(`${stack.gatewayUrl}/v1/oauth/google/start?returnTo=${returnTo}`);
    expect(done.status).toBeLessThan(400);
    await eventually(async () => {
      const channels = await stack.google.request<{ channels: Array<{ stopped: boolean }> }>(
        '/google/channels',
      );
      expect(channels.channels.filter((channel) => !channel.stopped)).toHaveLength(1);
    }, 20_000);
  });

  it('connects Webex through the gateway (webex-bridge exchanges the code)', async () => {
    // From the browser that opens the URL: the start sets the flow's cookie.
    const start = await browser.fetch(`${stack.gatewayUrl}/v1/oauth/webex/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
      body: JSON.stringify({ returnTo: `${stack.gatewayUrl}/health/live` }),
    });
    expect(start.status).toBe(200);
    const done = await browse(((await start.json()) as { authorizationUrl: string }).authorizationUrl);
    expect(done.status).toBeLessThan(400);
  });

  let meetingId: string;
  let calendarEventId: string;

  it('adds a Webex meeting to a Calendar event: 202, then attached with the join link', async () => {
    const startAt = new Date(Date.now() + 2 * 24 * 3600_000);
    startAt.setUTCMinutes(0, 0, 0);
    const event = await stack.google.request<{ id: string }>(
      `/google/calendars/${encodeURIComponent(alice)}/events`,
      {
        summary: 'Quarterly planning',
        start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
        end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
        attendees: [{ email: 'bob@demo.example', displayName: 'Bob' }],
      },
    );
    calendarEventId = event.id;
    const added = await api<{ meetingId: string }>('/v1/meetings', {
      body: { calendarId: alice, eventId: event.id },
      token: idToken,
    });
    expect(added.status).toBe(202);
    meetingId = added.body.meetingId;

    const view = await eventually(async () => {
      const answer = await api<MeetingView>(`/v1/meetings/${meetingId}`, { token: idToken });
      expect(answer.body.status).toBe('attached');
      return answer.body;
    }, 30_000);
    expect(view.joinLink).toMatch(/^https:\/\//);
    const meetings = await webexMeetings();
    expect(meetings).toHaveLength(1);
    expect(meetings[0]).toMatchObject({ title: 'Quarterly planning', timezone: 'Europe/Berlin' });
    expect(meetings[0]!.integrationTags).toContain(meetingId);
    expect(Date.parse(meetings[0]!.start)).toBe(startAt.getTime());
  });

  it('stores the personal data of the journey sealed: no title or invitee in clear in the event store', async () => {
    const { rows } = await stack.eventStore.query<{ type: string; data: string }>(
      `SELECT event_type AS type, data::text AS data FROM "${stack.eventStoreSchema}".event_store_events`,
    );
    const types = new Set(rows.map((row) => row.type));
    // The journey so far wrote the meeting's request, its calendar event and its Webex meeting.
    expect([...types]).toEqual(expect.arrayContaining(['MeetingRequested', 'MeetingScheduled']));
    for (const row of rows) {
      expect(row.data).not.toContain('Quarterly planning');
      expect(row.data).not.toContain('bob@demo.example');
    }
    const requested = rows.find((row) => row.type === 'MeetingRequested')!;
    expect(JSON.parse(requested.data).title).toMatchObject({
      $sealed: 'v1',
      subject: `meeting:${meetingId}`,
    });
  });

  it('one correlation id follows the add through the logs of all four services', async () => {
    const { rows } = await stack.eventStore.query<{ correlationId: string }>(
      `SELECT metadata->>'correlationId' AS "correlationId" FROM "${stack.eventStoreSchema}".event_store_events
        WHERE stream_id = $1 AND event_type = 'MeetingRequested'`,
      [`meeting-${meetingId}`],
    );
    const correlationId = rows[0]!.correlationId;
    await eventually(() => {
      const linesPerService = Object.fromEntries(
        (['gateway', 'webex-bridge', 'google-ingest', 'retention'] as const).map((service) => [
          service,
          stack.services[service].logs().filter((line) => JSON.stringify(line).includes(correlationId))
            .length,
        ]),
      );
      expect(linesPerService).toEqual({
        gateway: expect.toBeAtLeastOne(),
        'webex-bridge': expect.toBeAtLeastOne(),
        'google-ingest': expect.toBeAtLeastOne(),
        retention: expect.toBeAtLeastOne(),
      });
    }, 10_000);
  });

  it('a time change in Calendar reaches Webex', async () => {
    const moved = new Date(Date.now() + 3 * 24 * 3600_000);
    moved.setUTCMinutes(30, 0, 0);
    await stack.google.request(
      `/google/calendars/${encodeURIComponent(alice)}/events/${calendarEventId}`,
      {
        start: { dateTime: moved.toISOString(), timeZone: 'Europe/Berlin' },
        end: { dateTime: new Date(moved.getTime() + 1800_000).toISOString(), timeZone: 'Europe/Berlin' },
      },
      'PATCH',
    );
    await eventually(async () => {
      const [meeting] = await webexMeetings();
      expect(Date.parse(meeting!.start)).toBe(moved.getTime());
    }, 30_000);
  });

  it('a subject change in Calendar reaches Webex', async () => {
    await stack.google.request(
      `/google/calendars/${encodeURIComponent(alice)}/events/${calendarEventId}`,
      { summary: 'Quarterly planning (moved)' },
      'PATCH',
    );
    await eventually(async () => {
      const [meeting] = await webexMeetings();
      expect(meeting!.title).toBe('Quarterly planning (moved)');
    }, 30_000);
  });

  it('the same notification delivered 5 more times, and one with a wrong channel token, change nothing', async () => {
    const { notifications } = await stack.google.request<{
      notifications: Array<{ delivered: boolean; resourceState: string; headers: Record<string, string> }>;
    }>('/google/notifications');
    const last = notifications
      .filter((notification) => notification.delivered && notification.resourceState === 'exists')
      .at(-1)!;
    const patchesBefore = await webexPatches();
    const webhook = `${stack.services['google-ingest'].baseUrl}/webhooks/google/calendar`;
    // Google may deliver one notification several times: the same message, five more times.
    // (Made-up higher message numbers would also hide the next real notification as a replay.)
    for (let repeat = 1; repeat <= 5; repeat++) {
      const answer = await fetch(webhook, { method: 'POST', headers: last.headers });
      expect(answer.status).toBe(200);
    }
    const forged = await fetch(webhook, {
      method: 'POST',
      headers: { ...last.headers, 'X-Goog-Channel-Token': 'not-the-channel-token' },
    });
    expect(forged.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await webexPatches()).toBe(patchesBefore);
  });

  it("refuses what it must, changing nothing: no token 401, forged token 401, unknown or another user's meeting 404, foreign domain 403, bad body 400", async () => {
    const eventsBefore = await eventCount();
    const noToken = await api<{ error: { code: string } }>('/v1/meetings', {
      body: { calendarId: alice, eventId: calendarEventId },
    });
    expect(noToken.status).toBe(401);
    const [header, payload, signature] = idToken.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: '999999999999' }),
    ).toString('base64url');
    const forged = await api('/v1/meetings', {
      body: { calendarId: alice, eventId: calendarEventId },
      token: `${header}.${forgedPayload}.${signature}`,
    });
    expect(forged.status).toBe(401);
    const unknown = await api(`/v1/meetings/01890a5d-ac96-774b-bcce-b302099a8057`, { token: idToken });
    expect(unknown.status).toBe(404);
    const invalid = await api<{ error: { fields: Array<{ path: string }> } }>('/v1/meetings', {
      body: { calendarId: '', eventIdd: 'x' },
      token: idToken,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.fields.map((field) => field.path)).toEqual(
      expect.arrayContaining(['calendarId', 'eventId']),
    );
    // Another user of the tenant sees nothing of Alice's meeting; a user of a domain this
    // deployment does not serve is refused outright.
    await stack.google.request('/google/seed', {
      users: [{ email: 'bob@demo.example' }, { email: 'mallory@elsewhere.example' }],
    });
    const tokenOf = async (email: string) =>
      (
        await stack.google.request<{ idToken: string }>('/google/id-token', {
          email,
          audience: demoGoogleClient.clientId,
        })
      ).idToken;
    const bob = await tokenOf('bob@demo.example');
    const othersMeeting = await api(`/v1/meetings/${meetingId}`, { token: bob });
    expect(othersMeeting.status).toBe(404);
    const othersEvent = await api<{ meetings: unknown[] }>(
      `/v1/meetings?calendarId=${encodeURIComponent(alice)}&eventId=${calendarEventId}`,
      { token: bob },
    );
    expect(othersEvent.body.meetings).toEqual([]);
    const mallory = await tokenOf('mallory@elsewhere.example');
    const foreignDomain = await api<{ error: { code: string } }>('/v1/meetings', {
      body: { calendarId: alice, eventId: calendarEventId },
      token: mallory,
    });
    expect(foreignDomain.status).toBe(403);
    expect(foreignDomain.body.error.code).toBe('hosted_domain_not_allowed');
    expect(await eventCount()).toBe(eventsBefore);
  });

  it('deleting the event deletes the Webex meeting, and retention then purges its personal data', async () => {
    await stack.google.request(
      `/google/calendars/${encodeURIComponent(alice)}/events/${calendarEventId}`,
      undefined,
      'DELETE',
    );
    await eventually(async () => expect(await webexMeetings()).toHaveLength(0), 30_000);
    // The demo tenant's policy keeps nothing after the end: a cancelled meeting never takes
    // place, so its data goes at once. The read model keeps ids and times, no title.
    const view = await eventually(async () => {
      const answer = await api<MeetingView>(`/v1/meetings/${meetingId}`, { token: idToken });
      expect(answer.body.status).toBe('purged');
      return answer.body;
    }, 30_000);
    expect(view.title).toBeUndefined();
    const { rows: stream } = await stack.eventStore.query<{ type: string; correlationId: string }>(
      `SELECT event_type AS type, metadata->>'correlationId' AS "correlationId"
         FROM "${stack.eventStoreSchema}".event_store_events WHERE stream_id = $1 ORDER BY global_position`,
      [`meeting-${meetingId}`],
    );
    expect(stream.map((event) => event.type)).toEqual(
      expect.arrayContaining(['MeetingRequested', 'MeetingCancelled', 'MeetingDataPurged']),
    );
    expect(stream.map((event) => event.type)).not.toContain('MeetingEnded');
    // The purge is the key's destruction: the sealed title in the log can never be opened again.
    const { rows: keys } = await stack.eventStore.query<{ forgotten: boolean; material: boolean }>(
      `SELECT forgotten_at IS NOT NULL AS forgotten, wrapped_key IS NOT NULL AS material
         FROM "${stack.keyStoreSchema}".data_keys WHERE subject = $1`,
      [`meeting:${meetingId}`],
    );
    expect(keys).toEqual([{ forgotten: true, material: false }]);
  });

  it('survives webex-bridge being SIGKILLed right after Webex accepted the create: exactly one Webex meeting, journey completes', async () => {
    // Webex creates the meeting at once but holds its answer for 5 s: the bridge is killed
    // right after Webex accepted the create (seen through the emulator's inspection) and
    // before it could record it.
    await stack.webex.request('/faults', {
      method: 'POST',
      pathPrefix: '/v1/meetings',
      responseLatencyMs: 5_000,
      times: 1,
    });
    const startAt = new Date(Date.now() + 4 * 24 * 3600_000);
    startAt.setUTCMinutes(0, 0, 0);
    const event = await stack.google.request<{ id: string }>(
      `/google/calendars/${encodeURIComponent(alice)}/events`,
      {
        summary: 'Crash drill',
        start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
        end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
      },
    );
    const added = await api<{ meetingId: string }>('/v1/meetings', {
      body: { calendarId: alice, eventId: event.id },
      token: idToken,
    });
    expect(added.status).toBe(202);
    const crashed = added.body.meetingId;
    const tagged = async () =>
      (await webexMeetings()).filter((meeting) => meeting.integrationTags?.includes(crashed));
    await eventually(async () => expect(await tagged()).toHaveLength(1), 15_000, 20);
    const scheduledOf = async () => {
      const { rows } = await stack.eventStore.query<{ event_type: string }>(
        `SELECT event_type FROM "${stack.eventStoreSchema}".event_store_events WHERE stream_id = $1`,
        [`meeting-${crashed}`],
      );
      return rows.filter((row) => row.event_type === 'MeetingScheduled').length;
    };
    // The crash window: Webex has the meeting, our log does not.
    expect(await scheduledOf()).toBe(0);
    await stack.restart('webex-bridge', 'SIGKILL');
    // The restarted bridge gets MeetingRequested again (unacked), finds the meeting by its
    // integration tag and adopts it instead of creating a second one.
    await eventually(async () => {
      const answer = await api<MeetingView>(`/v1/meetings/${crashed}`, { token: idToken });
      expect(answer.body.status).toBe('attached');
    }, 60_000);
    // Adopted, not created again: still one Webex meeting carries our id.
    expect(await tagged()).toHaveLength(1);
    expect(await scheduledOf()).toBe(1);
  }, 120_000);
});
