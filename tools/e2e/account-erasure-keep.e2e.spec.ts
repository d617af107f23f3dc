import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoTenant } from '@scheduler/emulators';
import { startJourneyStack, type JourneyStack } from '@scheduler/test-harness';
import { eventually } from '@scheduler/testing';

// DELETE /v1/me with `keep`: the user's meetings stay in Webex and on the calendar as they are,
// but nothing of the user's stays readable with us (their meetings' keys are destroyed too).
const alice = demoTenant.user;
const title = 'Kept offsite 3Z9';

let stack: JourneyStack;
let idToken: string;

beforeAll(async () => {
  stack = await startJourneyStack();
  idToken = await stack.connectDemoUser();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const api = <T>(path: string, body?: unknown, method?: string) =>
  stack.callGateway<T>(idToken, path, body, method);

async function webexMeetingsOf(meetingId: string): Promise<Array<{ title: string }>> {
  const { meetings } = await stack.webex.request<{
    meetings: Array<{ title: string; integrationTags?: string[] }>;
  }>('/webex/meetings');
  return meetings.filter((meeting) => meeting.integrationTags?.includes(meetingId));
}

describe('DELETE /v1/me with futureMeetings: keep', () => {
  it('leaves the meeting in Webex and on the event, and purges our copy of it', async () => {
    const startAt = new Date(Date.now() + 4 * 86_400_000);
    startAt.setUTCHours(13, 0, 0, 0);
    const event = await stack.google.request<{ id: string }>(
      `/google/calendars/${encodeURIComponent(alice)}/events`,
      {
        summary: title,
        start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
        end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
      },
    );
    const added = await api<{ meetingId: string }>('/v1/meetings', { calendarId: alice, eventId: event.id });
    expect(added.status).toBe(202);
    const { meetingId } = added.body;
    await eventually(async () => {
      expect((await api<{ status: string }>(`/v1/meetings/${meetingId}`)).body).toMatchObject({
        status: 'attached',
      });
    }, 60_000);

    const erase = await api<{ status: string; futureMeetings: string }>(
      '/v1/me',
      { futureMeetings: 'keep' },
      'DELETE',
    );
    expect(erase).toMatchObject({ status: 202, body: { status: 'erasing', futureMeetings: 'keep' } });
    await eventually(async () => {
      expect((await api<{ status: string }>('/v1/me/erasure')).body).toMatchObject({ status: 'erased' });
    }, 90_000);

    // Kept where the user sees it: the Webex meeting and our conference on the event.
    expect(await webexMeetingsOf(meetingId)).toEqual([expect.objectContaining({ title })]);
    const { items } = await stack.google.request<{ items: Array<{ id: string; conferenceData?: unknown }> }>(
      `/google/calendars/${encodeURIComponent(alice)}/events`,
    );
    expect(JSON.stringify(items.find((candidate) => candidate.id === event.id)?.conferenceData)).toContain(
      meetingId,
    );

    // Gone with us: no cancellation was asked, the data is purged and the title nowhere in clear.
    const { rows } = await stack.eventStore.query<{ type: string }>(
      `SELECT event_type AS type FROM "${stack.schemas.events}".event_store_events WHERE stream_id = $1`,
      [`meeting-${meetingId}`],
    );
    expect(rows.map((row) => row.type)).not.toContain('MeetingCancellationRequested');
    expect(rows.map((row) => row.type)).toContain('MeetingDataPurged');
    for (const schema of Object.values(stack.schemas)) {
      const { rows: tables } = await stack.eventStore.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
        [schema],
      );
      for (const { table_name: table } of tables) {
        const { rows: matches } = await stack.eventStore.query(
          `SELECT 1 FROM "${schema}"."${table}" t WHERE t::text LIKE $1`,
          [`%${title}%`],
        );
        expect({ table: `${schema}.${table}`, matches: matches.length }).toEqual({
          table: `${schema}.${table}`,
          matches: 0,
        });
      }
    }
    expect((await api<{ status: string }>(`/v1/meetings/${meetingId}`)).body).toMatchObject({
      status: 'purged',
    });
  }, 180_000);
});
