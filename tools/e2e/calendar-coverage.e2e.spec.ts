import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoTenant } from '@scheduler/emulators';
import { Browser, startJourneyStack, type JourneyStack } from '@scheduler/test-harness';
import { eventually } from '@scheduler/testing';

// What the Calendar can do to an event besides editing it, through the whole system: copy it,
// remove our conference from it, hold it on another calendar, move it, and lose the account's
// grant while the event is deleted.
const alice: string = demoTenant.user;

interface MeetingView {
  meetingId: string;
  status: string;
}

/** GET /v1/me, as far as these tests read it. */
interface AccountStatus {
  google: { status: string; reason?: string; since?: string };
  webex: { status: string };
}

interface WebexMeeting {
  id: string;
  title: string;
  start: string;
  integrationTags?: string[];
}

let stack: JourneyStack;
let idToken: string;

beforeAll(async () => {
  stack = await startJourneyStack();
  idToken = await stack.connectDemoUser();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function api<T>(path: string, body?: unknown, token = idToken): Promise<{ status: number; body: T }> {
  return stack.callGateway<T>(token, path, body);
}

async function webexMeetings(): Promise<WebexMeeting[]> {
  return (await stack.webex.request<{ meetings: WebexMeeting[] }>('/webex/meetings')).meetings;
}

const tagged = async (meetingId: string) =>
  (await webexMeetings()).filter((meeting) => meeting.integrationTags?.includes(meetingId));

let nextDay = 1;
/** A start a whole hour in the future, one day further for each event so none overlap. */
const nextStart = () => {
  const at = new Date(Date.now() + (24 * nextDay++ + 2) * 3600_000);
  at.setUTCMinutes(0, 0, 0);
  return at;
};

const eventPath = (calendarId: string, eventId = '') =>
  `/google/calendars/${encodeURIComponent(calendarId)}/events${eventId ? `/${eventId}` : ''}`;

/** A Calendar event on `calendarId`, a Webex meeting added to it through the gateway, attached. */
async function addMeeting(
  summary: string,
  calendarId = alice,
): Promise<{ eventId: string; meetingId: string; startAt: Date }> {
  const startAt = nextStart();
  const event = await stack.google.request<{ id: string }>(eventPath(calendarId), {
    summary,
    start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
    end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
  });
  const added = await api<{ meetingId: string }>('/v1/meetings', { calendarId, eventId: event.id });
  expect(added.status).toBe(202);
  const meetingId = added.body.meetingId;
  await eventually(async () => {
    expect((await api<MeetingView>(`/v1/meetings/${meetingId}`)).body.status).toBe('attached');
  }, 30_000);
  expect(await tagged(meetingId)).toHaveLength(1);
  return { eventId: event.id, meetingId, startAt };
}

/** An event as the calendar's owner sees it in the Calendar UI. */
async function calendarEvent(calendarId: string, eventId: string): Promise<Record<string, unknown>> {
  const { items } = await stack.google.request<{ items: Array<Record<string, unknown>> }>(
    eventPath(calendarId),
  );
  const found = items.find((item) => item.id === eventId);
  if (!found) throw new Error(`no event ${eventId} on ${calendarId}`);
  return found;
}

/** Live push channels the emulator holds, by calendar. */
async function watchedCalendars(): Promise<string[]> {
  const { channels } = await stack.google.request<{
    channels: Array<{ calendarId: string; stopped: boolean }>;
  }>('/google/channels');
  return channels.filter((channel) => !channel.stopped).map((channel) => channel.calendarId);
}

/** The meeting stream's event types, in order. */
async function meetingStream(meetingId: string): Promise<string[]> {
  const { rows } = await stack.eventStore.query<{ type: string }>(
    `SELECT event_type AS type FROM "${stack.eventStoreSchema}".event_store_events
      WHERE stream_id = $1 ORDER BY global_position`,
    [`meeting-${meetingId}`],
  );
  return rows.map((row) => row.type);
}

describe('calendar coverage', () => {
  it('a copied event gets its own Webex meeting about as fast as any other change', async () => {
    const original = await addMeeting('Copy source');
    const before = new Set((await webexMeetings()).map((meeting) => meeting.id));

    // A plain edit first, as the yardstick.
    const editedAt = Date.now();
    await stack.google.request(
      eventPath(alice, original.eventId),
      { summary: 'Copy source (renamed)' },
      'PATCH',
    );
    await eventually(
      async () => expect((await tagged(original.meetingId))[0]!.title).toBe('Copy source (renamed)'),
      60_000,
      20,
    );
    const editLatencyMs = Date.now() - editedAt;

    const copiedAt = Date.now();
    const duplicated = await stack.google.request<{ id: string }>(
      `${eventPath(alice, original.eventId)}/duplicate`,
      { start: nextStart().toISOString() },
    );
    const copy = await eventually(
      async () => {
        const added = (await webexMeetings()).filter((meeting) => !before.has(meeting.id));
        expect(added).toHaveLength(1);
        return added[0]!;
      },
      60_000,
      20,
    );
    const copyLatencyMs = Date.now() - copiedAt;
    expect(copy.integrationTags).not.toContain(original.meetingId);
    const copyMeetingId = copy.integrationTags![0]!;
    // The copy's meeting is complete once the copy event carries its own conference.
    await eventually(
      async () => {
        const event = await calendarEvent(alice, duplicated.id);
        expect(JSON.stringify(event.conferenceData)).toContain(copyMeetingId);
        expect((await api<MeetingView>(`/v1/meetings/${copyMeetingId}`)).body.status).toBe('attached');
      },
      60_000,
      20,
    );
    const attachedLatencyMs = Date.now() - copiedAt;
    console.log(
      `copy: Webex meeting after ${copyLatencyMs} ms, attached after ${attachedLatencyMs} ms; edit reached Webex after ${editLatencyMs} ms`,
    );
    expect(copyLatencyMs).toBeLessThan(5_000);
    expect(attachedLatencyMs).toBeLessThan(5_000);
  }, 120_000);

  describe('secondary and shared calendars', () => {
    const bob = 'bob@demo.example';
    let team: string;

    beforeAll(async () => {
      // Alice owns a secondary calendar and shares it with Bob; Bob shares his own with Alice.
      const seeded = await stack.google.request<{ users: Array<{ email: string; calendars: string[] }> }>(
        '/google/seed',
        { users: [{ email: alice, calendars: [{ summary: 'Team' }] }, { email: bob }] },
      );
      team = seeded.users[0]!.calendars.at(-1)!;
      await stack.google.request(`/google/calendars/${encodeURIComponent(team)}/share`, {
        email: bob,
        role: 'writer',
      });
      await stack.google.request(`/google/calendars/${encodeURIComponent(bob)}/share`, {
        email: alice,
        role: 'writer',
      });
    });

    it('a meeting added on the owner’s secondary calendar has it watched, and its changes reach Webex', async () => {
      expect(await watchedCalendars()).not.toContain(team);
      const { eventId, meetingId } = await addMeeting('Team sync', team);
      expect(await watchedCalendars()).toContain(team);
      await stack.google.request(eventPath(team, eventId), { summary: 'Team sync (renamed)' }, 'PATCH');
      await eventually(
        async () => expect((await tagged(meetingId))[0]!.title).toBe('Team sync (renamed)'),
        30_000,
      );
      await stack.google.request(eventPath(team, eventId), undefined, 'DELETE');
      await eventually(async () => expect(await tagged(meetingId)).toHaveLength(0), 30_000);
    }, 90_000);

    it('a delegate of a shared calendar cannot add or drive a meeting on it: the organiser is its owner', async () => {
      const startAt = nextStart();
      const event = await stack.google.request<{ id: string }>(eventPath(bob), {
        summary: 'Bob’s review',
        start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
        end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
      });
      const meetingsBefore = (await webexMeetings()).length;
      // Google marks Bob "self" as organiser when Alice reads Bob's calendar: that must not count.
      const refused = await api<{ error: { code: string } }>('/v1/meetings', {
        calendarId: bob,
        eventId: event.id,
      });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('not_event_organizer');
      expect(await watchedCalendars()).not.toContain(bob);
      expect((await webexMeetings()).length).toBe(meetingsBefore);
    });
  });

  it('an event moved to another calendar keeps its meeting, which follows it there', async () => {
    const seeded = await stack.google.request<{ users: Array<{ calendars: string[] }> }>('/google/seed', {
      users: [{ email: alice, calendars: [{ summary: 'Projects' }] }],
    });
    const projects = seeded.users[0]!.calendars.at(-1)!;
    const { eventId, meetingId } = await addMeeting('Moving meeting');
    expect(await watchedCalendars()).not.toContain(projects);

    await stack.google.request(`${eventPath(alice, eventId)}/move`, { calendarId: projects });
    // The source shows the event cancelled; the meeting is not deleted but follows the event.
    await eventually(async () => expect(await watchedCalendars()).toContain(projects), 30_000);
    await eventually(async () => {
      const { rows } = await stack.eventStore.query<{ calendarId: string }>(
        `SELECT data->>'calendarId' AS "calendarId" FROM "${stack.eventStoreSchema}".event_store_events
          WHERE stream_id = $1 AND event_type = 'ConferenceAttached' ORDER BY global_position`,
        [`meeting-${meetingId}`],
      );
      expect(rows.map((row) => row.calendarId)).toEqual([alice, projects]);
    }, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await tagged(meetingId)).toHaveLength(1);
    expect(await meetingStream(meetingId)).not.toContain('MeetingCancellationRequested');

    // Changes made on the new calendar drive it, and deleting the event there deletes it.
    await stack.google.request(eventPath(projects, eventId), { summary: 'Moved meeting' }, 'PATCH');
    await eventually(async () => expect((await tagged(meetingId))[0]!.title).toBe('Moved meeting'), 30_000);
    await stack.google.request(eventPath(projects, eventId), undefined, 'DELETE');
    await eventually(async () => expect(await tagged(meetingId)).toHaveLength(0), 30_000);
  }, 120_000);

  it('removing our conference from an event that stays deletes the Webex meeting', async () => {
    const { eventId, meetingId } = await addMeeting('Conference removed');
    await stack.google.request(eventPath(alice, eventId), { conferenceData: null }, 'PATCH');
    await eventually(async () => expect(await tagged(meetingId)).toHaveLength(0), 30_000);
    expect(await meetingStream(meetingId)).toEqual(
      expect.arrayContaining(['MeetingCancellationRequested', 'MeetingCancelled']),
    );
    // The event itself is still there.
    expect(await calendarEvent(alice, eventId)).toMatchObject({ status: 'confirmed' });
  }, 60_000);
  // Last: it moves the emulators' clock and reconnects the account.
  it('a Google token is revoked and an event is deleted; the disconnection is recorded; after reconnecting, the Webex meeting is deleted', async () => {
    const { eventId, meetingId } = await addMeeting('Deleted while disconnected');
    const watchedBefore = [...new Set(await watchedCalendars())];
    const eventTypes = async (streamPrefix: string) => {
      const { rows } = await stack.eventStore.query<{ type: string; data: Record<string, unknown> }>(
        `SELECT event_type AS type, data FROM "${stack.eventStoreSchema}".event_store_events
          WHERE stream_id LIKE $1 ORDER BY global_position`,
        [`${streamPrefix}%`],
      );
      return rows;
    };

    // google-ingest knows the event as ours once its sync saw the conference the attacher wrote.
    await eventually(async () => {
      const changes = await eventTypes(`calendarEvent-%.${eventId}`);
      expect(changes.map((row) => row.data.change)).toEqual(['created']);
    }, 30_000);

    // The user removes our access in Google; the access token lapses an hour later.
    await stack.google.request('/google/refresh-tokens/revoke', { email: alice });
    await stack.google.request('/clock/advance', { milliseconds: 3_700_000 });
    await stack.google.request(eventPath(alice, eventId), undefined, 'DELETE');

    // The deletion's notification makes google-ingest sync with the dead grant: it records the
    // disconnection, and nothing reaches the meeting yet.
    const disconnected = await eventually(async () => {
      const account = (await eventTypes('googleAccount-')).filter(
        (row) => row.type === 'GoogleAccountDisconnected',
      );
      expect(account).toHaveLength(1);
      return account[0]!;
    }, 30_000);
    expect(disconnected.data).toMatchObject({ reason: 'token-revoked' });
    // The user sees it: Google needs a reconnect, Webex is unaffected.
    await eventually(async () => {
      const status = await api<AccountStatus>('/v1/me');
      expect(status.status).toBe(200);
      expect(status.body.google).toMatchObject({ status: 'needs-reconnect', reason: 'token-revoked' });
      expect(status.body.webex).toMatchObject({ status: 'connected' });
    });
    expect(await tagged(meetingId)).toHaveLength(1);
    expect(await meetingStream(meetingId)).not.toContain('MeetingCancelled');

    // Consent again, signed in (the emulator holds several users now, so it needs the login
    // hint the gateway sends for a signed-in user): the full resync finds the event gone and
    // the meeting is deleted.
    const returnTo = `${stack.gatewayUrl}/health/live`;
    const browser = new Browser(); // keeps the flow cookie from the start to the callback
    let response = await browser.fetch(
      `${stack.gatewayUrl}/v1/oauth/google/start?returnTo=${encodeURIComponent(returnTo)}`,
      { headers: { authorization: `Bearer ${idToken}` } },
    );
    let location = response.headers.get('location');
    for (let hop = 0; hop < 6 && location && response.status >= 300 && response.status < 400; hop++) {
      response = await browser.fetch(new URL(location, stack.gatewayUrl));
      expect(new URL(location, stack.gatewayUrl).searchParams.get('error')).toBeNull();
      location = response.headers.get('location');
    }
    expect(response.status).toBe(200);
    await eventually(async () => expect(await tagged(meetingId)).toHaveLength(0), 30_000);
    expect(await meetingStream(meetingId)).toEqual(expect.arrayContaining(['MeetingCancelled']));
    // Every calendar watched before (the secondary ones too) is watched again.
    expect(watchedBefore.length).toBeGreaterThan(1);
    await eventually(async () =>
      expect(await watchedCalendars()).toEqual(expect.arrayContaining(watchedBefore)),
    );
    const watchFacts = (await eventTypes('calendarWatch-')).map((row) => [row.type, row.data.reason]);
    expect(watchFacts).toEqual(
      expect.arrayContaining([
        ['CalendarWatchStopped', 'account-disconnected'],
        ['CalendarSyncReset', 'account-reconnected'],
      ]),
    );
    const account = (await eventTypes('googleAccount-')).map((row) => row.type);
    expect(account.at(-1)).toBe('GoogleAccountConnected');
    await eventually(async () =>
      expect((await api<AccountStatus>('/v1/me')).body.google).toMatchObject({ status: 'connected' }),
    );
  }, 120_000);
});
