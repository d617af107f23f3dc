import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoTenant } from '@scheduler/emulators';
import { startJourneyStack, type JourneyStack } from '@scheduler/test-harness';
import { eventually } from '@scheduler/testing';

// Recurring Calendar series get a Webex series in step with them, through the real processes:
// the gateway reads the series' rule when the meeting is added, webex-bridge creates a Webex
// series with the same rule (or refuses one Webex cannot repeat), a calendar change of the rule
// ("this and following" ends the old series with UNTIL) reaches Webex, and a deleted series
// leaves nothing there.
const alice = demoTenant.user;
const berlin = 'Europe/Berlin';
const RETENTION_SECONDS = 3600;
const HOUR_MS = 3600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

interface MeetingView {
  meetingId: string;
  status: string;
  title?: string;
  sync?: { status: string };
  failure?: { reason: string; message?: string };
}

interface WebexMeeting {
  id: string;
  title: string;
  recurrence: string | null;
  integrationTags?: string[];
  deleted: boolean;
}

interface WebexOccurrences {
  recurrence: string | null;
  occurrences: Array<{ originalStart: string; start: string; deleted: boolean }>;
}

let stack: JourneyStack;
let idToken: string;

beforeAll(async () => {
  // An hour's retention after the end, on a fast timer loop: the purge test moves the clock past it.
  stack = await startJourneyStack({
    environment: {
      retention: {
        RETENTION_AFTER_END_SECONDS: String(RETENTION_SECONDS),
        RETENTION_TIMER_INTERVAL_MS: '200',
      },
    },
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

async function webexMeetings(): Promise<WebexMeeting[]> {
  return (await stack.webex.request<{ meetings: WebexMeeting[] }>('/webex/meetings')).meetings;
}

async function webexMeetingOf(meetingId: string): Promise<WebexMeeting | undefined> {
  return (await webexMeetings()).find((meeting) => meeting.integrationTags?.includes(meetingId));
}

/** The series' occurrences as Webex holds them, deleted ones left out. */
async function occurrenceStarts(webexMeetingId: string): Promise<string[]> {
  const { occurrences } = await stack.webex.request<WebexOccurrences>(
    `/webex/meetings/${webexMeetingId}/occurrences`,
  );
  return occurrences.filter((occurrence) => !occurrence.deleted).map((occurrence) => occurrence.start);
}

const eventsPath = `/google/calendars/${encodeURIComponent(alice)}/events`;

async function createSeries(summary: string, start: string, recurrence: string[]): Promise<string> {
  const event = await stack.google.request<{ id: string }>(eventsPath, {
    summary,
    start: { dateTime: start, timeZone: berlin },
    end: { dateTime: new Date(Date.parse(start) + 3600_000).toISOString(), timeZone: berlin },
    recurrence,
  });
  return event.id;
}

async function addMeeting(eventId: string): Promise<string> {
  const added = await api<{ meetingId: string }>('/v1/meetings', { calendarId: alice, eventId });
  expect(added.status).toBe(202);
  return added.body.meetingId;
}

/** A series with a Webex meeting added through the gateway, once converged. */
async function seriesWithMeeting(summary: string, start: string, recurrence: string[]) {
  const eventId = await createSeries(summary, start, recurrence);
  const meetingId = await addMeeting(eventId);
  await eventually(async () => {
    const view = await meetingView(meetingId);
    expect(view.status).toBe('attached');
    expect(view.sync).toEqual({ status: 'converged' });
  }, 30_000);
  return { eventId, meetingId, webexMeeting: (await webexMeetingOf(meetingId))! };
}

describe('recurring meetings', () => {
  it('weekly, 6 occurrences at 09:00 Berlin across the change to summer time: the Webex series has the same rule and every occurrence starts at 09:00 Berlin', async () => {
    const { webexMeeting } = await seriesWithMeeting('Weekly', '2027-03-15T08:00:00.000Z', [
      'RRULE:FREQ=WEEKLY;COUNT=6',
    ]);
    expect(webexMeeting.recurrence).toBe('FREQ=WEEKLY;COUNT=6');
    expect(await occurrenceStarts(webexMeeting.id)).toEqual([
      '2027-03-15T08:00:00.000Z',
      '2027-03-22T08:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
      '2027-04-12T07:00:00.000Z',
      '2027-04-19T07:00:00.000Z',
    ]);
  }, 90_000);

  it('monthly on the 2nd Tuesday, 4 occurrences: the same 4 dates in Webex', async () => {
    const { webexMeeting } = await seriesWithMeeting('Monthly', '2027-04-13T08:00:00.000Z', [
      'RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=4',
    ]);
    expect(await occurrenceStarts(webexMeeting.id)).toEqual([
      '2027-04-13T08:00:00.000Z',
      '2027-05-11T08:00:00.000Z',
      '2027-06-08T08:00:00.000Z',
      '2027-07-13T08:00:00.000Z',
    ]);
  }, 90_000);

  it('a rule Webex cannot repeat: the meeting shows failed with the reason, and nothing is created in Webex', async () => {
    const eventId = await createSeries('Last Thursday of November', '2027-11-25T09:00:00.000Z', [
      'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=TH;BYSETPOS=-1',
    ]);
    const meetingId = await addMeeting(eventId);
    await eventually(async () => {
      const view = await meetingView(meetingId);
      expect(view.status).toBe('failed');
      expect(view.failure?.reason).toBe('unsupported-recurrence');
    }, 30_000);
    const view = await meetingView(meetingId);
    if (view.failure?.message !== undefined)
      expect(view.failure.message).toContain('BYSETPOS=-1 with FREQ=YEARLY');
    expect(await webexMeetingOf(meetingId)).toBeUndefined();
  }, 90_000);

  it('"this and following" from occurrence 5 at a new time: the old Webex series ends after occurrence 4, a new one carries the rest; deleting both series leaves nothing in Webex', async () => {
    const { eventId, meetingId, webexMeeting } = await seriesWithMeeting(
      'Split',
      '2027-03-15T08:00:00.000Z',
      ['RRULE:FREQ=WEEKLY;COUNT=6'],
    );
    const before = new Set((await webexMeetings()).map((meeting) => meeting.id));
    // As the Calendar UI does it: the old series gets an UNTIL, a new series (new id) starts at
    // occurrence 5, here at 10:00 instead of 09:00.
    const split = await stack.google.request<{ following: { id: string } }>(
      `${eventsPath}/${eventId}/split`,
      {
        originalStartTime: '2027-04-12T07:00:00.000Z',
        changes: {
          start: { dateTime: '2027-04-12T08:00:00.000Z', timeZone: berlin },
          end: { dateTime: '2027-04-12T09:00:00.000Z', timeZone: berlin },
        },
      },
    );
    await eventually(async () => {
      expect((await webexMeetingOf(meetingId))!.recurrence).toMatch(/^FREQ=WEEKLY;UNTIL=/);
      expect(await occurrenceStarts(webexMeeting.id)).toEqual([
        '2027-03-15T08:00:00.000Z',
        '2027-03-22T08:00:00.000Z',
        '2027-03-29T07:00:00.000Z',
        '2027-04-05T07:00:00.000Z',
      ]);
      const added = (await webexMeetings()).filter((meeting) => !before.has(meeting.id) && !meeting.deleted);
      expect(added).toHaveLength(1);
      expect(await occurrenceStarts(added[0]!.id)).toEqual([
        '2027-04-12T08:00:00.000Z',
        '2027-04-19T08:00:00.000Z',
      ]);
      expect((await meetingView(meetingId)).sync).toEqual({ status: 'converged' });
    }, 30_000);

    const newSeries = (await webexMeetings()).find((meeting) => !before.has(meeting.id) && !meeting.deleted)!;
    await stack.google.request(`${eventsPath}/${eventId}`, undefined, 'DELETE');
    await stack.google.request(`${eventsPath}/${split.following.id}`, undefined, 'DELETE');
    await eventually(async () => {
      expect((await meetingView(meetingId)).status).toBe('cancelled');
      const live = (await webexMeetings()).filter((meeting) => !meeting.deleted);
      expect(live.map((meeting) => meeting.id)).not.toContain(webexMeeting.id);
      expect(live.map((meeting) => meeting.id)).not.toContain(newSeries.id);
    }, 30_000);
  }, 120_000);

  it('a series with 2 EXDATEs: those 2 Webex occurrences are deleted, the others untouched; an EXDATE added later deletes its occurrence too', async () => {
    const recurrence = [
      'RRULE:FREQ=WEEKLY;COUNT=6',
      'EXDATE;TZID=Europe/Berlin:20270329T090000',
      'EXDATE:20270412T070000Z',
    ];
    const { eventId, meetingId, webexMeeting } = await seriesWithMeeting(
      'Excluded',
      '2027-03-15T08:00:00.000Z',
      recurrence,
    );
    expect(webexMeeting.recurrence).toBe('FREQ=WEEKLY;COUNT=6');
    expect(await occurrenceStarts(webexMeeting.id)).toEqual([
      '2027-03-15T08:00:00.000Z',
      '2027-03-22T08:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
      '2027-04-19T07:00:00.000Z',
    ]);

    await stack.google.request(
      `${eventsPath}/${eventId}`,
      { recurrence: [...recurrence, 'EXDATE:20270322T080000Z'] },
      'PATCH',
    );
    await eventually(async () => {
      expect(await occurrenceStarts(webexMeeting.id)).toEqual([
        '2027-03-15T08:00:00.000Z',
        '2027-04-05T07:00:00.000Z',
        '2027-04-19T07:00:00.000Z',
      ]);
      expect((await meetingView(meetingId)).sync).toEqual({ status: 'converged' });
    }, 30_000);
  }, 120_000);

  it('occurrence 3 moved by 2 hours in Calendar moves only Webex occurrence 3; occurrence 4 cancelled deletes only it', async () => {
    const { eventId, meetingId, webexMeeting } = await seriesWithMeeting(
      'Exceptions',
      '2027-03-15T08:00:00.000Z',
      ['RRULE:FREQ=WEEKLY;COUNT=6'],
    );
    // A PATCH on the instance's id stores it as an exception of the series, as Calendar does.
    await stack.google.request(
      `${eventsPath}/${eventId}_20270329T070000Z`,
      {
        start: { dateTime: '2027-03-29T09:00:00.000Z', timeZone: berlin },
        end: { dateTime: '2027-03-29T10:00:00.000Z', timeZone: berlin },
      },
      'PATCH',
    );
    await eventually(async () => {
      expect(await occurrenceStarts(webexMeeting.id)).toEqual([
        '2027-03-15T08:00:00.000Z',
        '2027-03-22T08:00:00.000Z',
        '2027-03-29T09:00:00.000Z',
        '2027-04-05T07:00:00.000Z',
        '2027-04-12T07:00:00.000Z',
        '2027-04-19T07:00:00.000Z',
      ]);
      expect((await meetingView(meetingId)).sync).toEqual({ status: 'converged' });
    }, 30_000);

    await stack.google.request(`${eventsPath}/${eventId}/cancel-instance`, {
      originalStartTime: '2027-04-05T07:00:00.000Z',
    });
    await eventually(async () => {
      expect(await occurrenceStarts(webexMeeting.id)).toEqual([
        '2027-03-15T08:00:00.000Z',
        '2027-03-22T08:00:00.000Z',
        '2027-03-29T09:00:00.000Z',
        '2027-04-12T07:00:00.000Z',
        '2027-04-19T07:00:00.000Z',
      ]);
      expect((await meetingView(meetingId)).sync).toEqual({ status: 'converged' });
    }, 30_000);
    const webexMeetingNow = (await webexMeetingOf(meetingId))!;
    expect(webexMeetingNow.recurrence).toBe('FREQ=WEEKLY;COUNT=6');
    expect(webexMeetingNow.deleted).toBe(false);
  }, 120_000);

  // Last in the file: it moves the shared clock weeks forward, past every later start.
  it('a weekly series of 3: its data is kept past the first occurrence and purged only after the last one ends plus the policy', async () => {
    const clockNow = Date.parse((await stack.google.request<{ now: string }>('/clock')).now);
    const start = new Date(Math.ceil((clockNow + WEEK_MS) / HOUR_MS) * HOUR_MS);
    const { meetingId } = await seriesWithMeeting('Weekly, to be purged', start.toISOString(), [
      'RRULE:FREQ=WEEKLY;COUNT=3',
    ]);
    const firstEnd = start.getTime() + HOUR_MS;
    const lastEnd = firstEnd + 2 * WEEK_MS;
    const advanceTo = async (target: number) => {
      const now = Date.parse((await stack.google.request<{ now: string }>('/clock')).now);
      await stack.advanceClock(target - now);
    };

    await advanceTo(firstEnd + RETENTION_SECONDS * 1000 + 5 * 60_000);
    // Many timer passes (200 ms each) on the moved clock: a timer armed for the first end would fire.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const kept = await meetingView(meetingId);
    expect(kept.status).not.toBe('purged');
    expect(kept.title).toBe('Weekly, to be purged');

    await advanceTo(lastEnd + RETENTION_SECONDS * 1000 + 5 * 60_000);
    const purged = await eventually(async () => {
      const view = await meetingView(meetingId);
      expect(view.status).toBe('purged');
      return view;
    }, 30_000);
    expect(purged.title).toBeUndefined();
    const { rows: stream } = await stack.eventStore.query<{ type: string }>(
      `SELECT event_type AS type FROM "${stack.eventStoreSchema}".event_store_events
        WHERE stream_id = $1 ORDER BY global_position`,
      [`meeting-${meetingId}`],
    );
    expect(stream.map((event) => event.type)).toContain('MeetingDataPurged');
  }, 120_000);
});
