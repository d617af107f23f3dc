import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoTenant } from '@scheduler/emulators';
import { startJourneyStack, type JourneyStack } from '@scheduler/test-harness';
import { eventually } from '@scheduler/testing';

// Webex keeps following the calendar: invitee changes reach Webex's invitee list, a meeting
// changed in Webex itself is put back by the drift check, and two webex-bridge replicas apply
// two quick moves of one event in order.
const alice = demoTenant.user;
/** webex-bridge's RECONCILE_DRIFT_INTERVAL_MS here: short, so the suite waits seconds, not minutes. */
const driftIntervalMs = 3_000;

interface MeetingView {
  meetingId: string;
  status: string;
  sync?: { status: string };
}

interface WebexMeeting {
  id: string;
  start: string;
  end: string;
  title: string;
  integrationTags?: string[];
  invitees: Array<{ email: string }>;
}

let stack: JourneyStack;
let idToken: string;

beforeAll(async () => {
  stack = await startJourneyStack({
    environment: { 'webex-bridge': { RECONCILE_DRIFT_INTERVAL_MS: String(driftIntervalMs) } },
  });
  idToken = await stack.connectDemoUser();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function api<T>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return stack.callGateway<T>(idToken, path, body);
}

const meetingView = async (meetingId: string) => (await api<MeetingView>(`/v1/meetings/${meetingId}`)).body;

async function webexMeetingOf(meetingId: string): Promise<WebexMeeting | undefined> {
  const { meetings } = await stack.webex.request<{ meetings: WebexMeeting[] }>('/webex/meetings');
  return meetings.find((meeting) => meeting.integrationTags?.includes(meetingId));
}

const daysFromNowAt = (days: number, hourUtc: number) => {
  const at = new Date(Date.now() + days * 86_400_000);
  at.setUTCHours(hourUtc, 0, 0, 0);
  return at;
};

const eventsPath = `/google/calendars/${encodeURIComponent(alice)}/events`;

/** A Calendar event with a Webex meeting added through the gateway, once converged. */
async function addMeeting(
  summary: string,
  startAt: Date,
  attendees: Array<{ email: string }> = [],
): Promise<{ eventId: string; meetingId: string; webexMeetingId: string }> {
  const event = await stack.google.request<{ id: string }>(eventsPath, {
    summary,
    start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
    end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
    attendees,
  });
  const added = await api<{ meetingId: string }>('/v1/meetings', { calendarId: alice, eventId: event.id });
  expect(added.status).toBe(202);
  const { meetingId } = added.body;
  await eventually(async () => {
    const view = await meetingView(meetingId);
    expect(view.status).toBe('attached');
    expect(view.sync).toEqual({ status: 'converged' });
  }, 30_000);
  return { eventId: event.id, meetingId, webexMeetingId: (await webexMeetingOf(meetingId))!.id };
}

async function patchEvent(eventId: string, patch: Record<string, unknown>): Promise<void> {
  await stack.google.request(`${eventsPath}/${eventId}`, patch, 'PATCH');
}

const moveTo = (startAt: Date) => ({
  start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
  end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
});

describe('Webex follows the calendar', () => {
  it('invitee added and removed in the calendar → Webex’s invitee list follows', async () => {
    const meeting = await addMeeting('Invitees', daysFromNowAt(3, 9), [{ email: 'bob@demo.example' }]);
    expect((await webexMeetingOf(meeting.meetingId))!.invitees.map((invitee) => invitee.email)).toEqual([
      'bob@demo.example',
    ]);

    await patchEvent(meeting.eventId, { attendees: [{ email: 'carol@demo.example' }] });
    await eventually(async () => {
      const invitees = (await webexMeetingOf(meeting.meetingId))!.invitees.map((invitee) => invitee.email);
      expect(invitees).toEqual(['carol@demo.example']);
    }, 30_000);
    await eventually(
      async () => expect((await meetingView(meeting.meetingId)).sync).toEqual({ status: 'converged' }),
      20_000,
    );
  }, 90_000);

  it('a meeting changed directly in Webex (emulator control API) is put back to the calendar’s time by the sweep; one deleted there is shown as such', async () => {
    const startAt = daysFromNowAt(4, 9);
    const meeting = await addMeeting('Changed in Webex', startAt);
    const elsewhere = new Date(startAt.getTime() + 2 * 3600_000);
    await stack.webex.request(
      `/webex/meetings/${meeting.webexMeetingId}`,
      {
        title: 'Someone renamed it in Webex',
        start: elsewhere.toISOString(),
        end: new Date(elsewhere.getTime() + 1800_000).toISOString(),
      },
      'PATCH',
    );
    const changedAt = Date.now();
    await eventually(
      async () => {
        const inWebex = (await webexMeetingOf(meeting.meetingId))!;
        expect(Date.parse(inWebex.start)).toBe(startAt.getTime());
        expect(inWebex.title).toBe('Changed in Webex');
      },
      4 * driftIntervalMs,
      100,
    );
    console.log(
      `changed in Webex → put back: ${Date.now() - changedAt} ms (drift interval ${driftIntervalMs} ms)`,
    );
    await eventually(
      async () => expect((await meetingView(meeting.meetingId)).sync).toEqual({ status: 'converged' }),
      20_000,
    );

    const deleted = await addMeeting('Deleted in Webex', daysFromNowAt(5, 9));
    await stack.webex.request(`/webex/meetings/${deleted.webexMeetingId}`, undefined, 'DELETE');
    await eventually(async () => {
      expect((await meetingView(deleted.meetingId)).sync).toEqual({ status: 'deleted-in-webex' });
    }, 4 * driftIntervalMs);
    expect(await webexMeetingOf(deleted.meetingId)).toBeUndefined();
  }, 90_000);

  it('two webex-bridge replicas, the first PATCH held 5 s: the event moved to 10:00 and then 11:00 → Webex ends at 11:00', async () => {
    await stack.startReplica('webex-bridge');
    const meeting = await addMeeting('Moved twice', daysFromNowAt(6, 8));
    // Webex does the first PATCH at once but answers it 5 s later.
    await stack.webex.request('/faults', {
      method: 'PATCH',
      pathPrefix: '/v1/meetings',
      responseLatencyMs: 5_000,
      times: 1,
    });
    const ten = daysFromNowAt(6, 10);
    const eleven = daysFromNowAt(6, 11);
    await patchEvent(meeting.eventId, moveTo(ten));
    // The first move reaches Webex (its answer is still held), then the second is made.
    await eventually(
      async () => expect(Date.parse((await webexMeetingOf(meeting.meetingId))!.start)).toBe(ten.getTime()),
      20_000,
      50,
    );
    await patchEvent(meeting.eventId, moveTo(eleven));

    await eventually(
      async () => {
        expect(Date.parse((await webexMeetingOf(meeting.meetingId))!.start)).toBe(eleven.getTime());
        expect((await meetingView(meeting.meetingId)).sync).toEqual({ status: 'converged' });
      },
      40_000,
      200,
    );
    // And it stays there: nothing older is applied after the newest.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(Date.parse((await webexMeetingOf(meeting.meetingId))!.start)).toBe(eleven.getTime());
    const patches = await stack.webex.request<{ requests: Array<{ method: string; path: string }> }>(
      `/requests?pathPrefix=${encodeURIComponent(`/v1/meetings/${meeting.webexMeetingId}`)}`,
    );
    console.log(
      `PATCHes of the moved meeting: ${patches.requests.filter((entry) => entry.method === 'PATCH').length}`,
    );
  }, 120_000);
});
