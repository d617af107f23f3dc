import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoTenant } from '@scheduler/emulators';
import { startJourneyStack, type JourneyStack } from '@scheduler/test-harness';
import { eventually } from '@scheduler/testing';

// A meeting scheduled from a Gmail message the user has open in the add-on (the message's
// metadata only, read with the add-on's per-message token), then cancelled by the user: the
// Webex meeting goes, our conference comes off the calendar event, and the event stays.
const alice = demoTenant.user;

interface MeetingView {
  meetingId: string;
  status: string;
  calendarId: string;
  eventId?: string;
  title?: string;
  sync?: { status: string };
}

interface WebexMeeting {
  id: string;
  title: string;
  integrationTags?: string[];
}

interface CalendarEvent {
  id: string;
  summary?: string;
  status?: string;
  attendees?: Array<{ email: string }>;
  conferenceData?: unknown;
}

interface ApiError {
  error: { code: string; message: string; correlationId: string; [detail: string]: unknown };
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

function api<T>(path: string, body?: unknown, method?: string): Promise<{ status: number; body: T }> {
  return stack.callGateway<T>(idToken, path, body, method);
}

const meetingView = async (meetingId: string) => (await api<MeetingView>(`/v1/meetings/${meetingId}`)).body;

async function taggedWebexMeetings(meetingId: string): Promise<WebexMeeting[]> {
  const { meetings } = await stack.webex.request<{ meetings: WebexMeeting[] }>('/webex/meetings');
  return meetings.filter((meeting) => meeting.integrationTags?.includes(meetingId));
}

async function calendarEvents(): Promise<CalendarEvent[]> {
  const { items } = await stack.google.request<{ items: CalendarEvent[] }>(
    `/google/calendars/${encodeURIComponent(alice)}/events`,
  );
  return items;
}

/** A message in Alice's mailbox, and the per-message token Google hands the add-on for it. */
async function messageInAlicesMailbox(subject: string): Promise<{ messageId: string; messageToken: string }> {
  const mailbox = `/google/gmail/users/${encodeURIComponent(alice)}/messages`;
  const { id } = await stack.google.request<{ id: string }>(mailbox, {
    from: 'Erin Partner <erin@partner.example>',
    to: ['Alice Demo <alice@demo.example>', 'bob@demo.example', '"Carol, Ops" <carol@demo.example>'],
    cc: ['dave@partner.example'],
    subject,
    body: 'Can we meet about the contract? (the body is never read)',
  });
  const { accessToken } = await stack.google.request<{ accessToken: string }>(
    `${mailbox}/${id}/access-token`,
    {},
  );
  return { messageId: id, messageToken: accessToken };
}

const inTwoDaysAt = (hourUtc: number, minutes = 0) => {
  const at = new Date(Date.now() + 2 * 86_400_000);
  at.setUTCHours(hourUtc, minutes, 0, 0);
  return at.toISOString();
};

describe('a meeting from a Gmail message, then cancelled', () => {
  const start = inTwoDaysAt(9);
  const end = inTwoDaysAt(9, 45);
  let message: { messageId: string; messageToken: string };
  let meetingId: string;
  let eventId: string;

  it('refuses a bad body (400) and a token issued for another message (403), creating nothing', async () => {
    message = await messageInAlicesMailbox('Contract review');
    const other = await messageInAlicesMailbox('Something else');
    const before = (await calendarEvents()).length;

    const backwards = await api<ApiError>('/v1/meetings/from-gmail', { ...message, start: end, end: start });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error).toMatchObject({
      code: 'invalid_request',
      fields: [{ path: 'end', message: 'must be after start' }],
    });

    const wrongToken = await api<ApiError>('/v1/meetings/from-gmail', {
      messageId: message.messageId,
      messageToken: other.messageToken,
      start,
      end,
    });
    expect(wrongToken.status).toBe(403);
    expect(wrongToken.body.error.code).toBe('gmail_message_token_rejected');
    expect(await calendarEvents()).toHaveLength(before);
  });

  it('creates the event (sender and the three other recipients invited) and its Webex meeting: 202, then converged', async () => {
    const answer = await api<{ meetingId: string }>('/v1/meetings/from-gmail', {
      ...message,
      start,
      end,
      timeZone: 'Europe/Berlin',
    });
    expect(answer.status).toBe(202);
    meetingId = answer.body.meetingId;

    const view = await meetingView(meetingId);
    expect(view).toMatchObject({ calendarId: alice, title: 'Contract review' });
    eventId = view.eventId!;
    expect(eventId).toMatch(/^[a-v0-9]{5,1024}$/);

    const event = (await calendarEvents()).find((candidate) => candidate.id === eventId)!;
    expect(event.summary).toBe('Contract review');
    expect(
      (event.attendees ?? [])
        .map((attendee) => attendee.email)
        .filter((email) => email !== alice)
        .sort(),
    ).toEqual(['bob@demo.example', 'carol@demo.example', 'dave@partner.example', 'erin@partner.example']);

    await eventually(async () => {
      expect(await meetingView(meetingId)).toMatchObject({
        status: 'attached',
        sync: { status: 'converged' },
      });
    }, 30_000);
    const [webexMeeting, ...more] = await taggedWebexMeetings(meetingId);
    expect(more).toHaveLength(0);
    expect(webexMeeting!.title).toBe('Contract review');
    const attached = (await calendarEvents()).find((candidate) => candidate.id === eventId)!;
    expect(JSON.stringify(attached.conferenceData)).toContain(meetingId);
  }, 60_000);

  it('answers the same meeting when the call is repeated: one event, one Webex meeting', async () => {
    const again = await api<{ meetingId: string }>('/v1/meetings/from-gmail', {
      ...message,
      start: start.replace('Z', '+00:00'),
      end,
      timeZone: 'Europe/Berlin',
    });
    expect(again).toEqual({ status: 202, body: { meetingId } });
    expect((await calendarEvents()).filter((event) => event.summary === 'Contract review')).toHaveLength(1);
    expect(await taggedWebexMeetings(meetingId)).toHaveLength(1);
  });

  it('retry refuses a meeting that has not failed (409), and another meeting id is 404', async () => {
    const retry = await api<ApiError>(`/v1/meetings/${meetingId}/retry`, {});
    expect(retry.status).toBe(409);
    expect(retry.body.error).toMatchObject({ code: 'meeting_not_failed', meetingId, status: 'scheduled' });
    const unknown = await api<ApiError>(
      '/v1/meetings/019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b',
      undefined,
      'DELETE',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('meeting_not_found');
  });

  it('DELETE cancels it: the Webex meeting is deleted, our conference leaves the event, the event stays', async () => {
    const first = await api<{ meetingId: string }>(`/v1/meetings/${meetingId}`, undefined, 'DELETE');
    expect(first).toEqual({ status: 202, body: { meetingId } });
    const second = await api<{ meetingId: string }>(`/v1/meetings/${meetingId}`, undefined, 'DELETE');
    expect(second).toEqual(first);

    await eventually(async () => {
      expect(await taggedWebexMeetings(meetingId)).toHaveLength(0);
      expect(await meetingView(meetingId)).toMatchObject({
        status: 'cancelled',
        sync: { status: 'cancelled' },
      });
      const event = (await calendarEvents()).find((candidate) => candidate.id === eventId)!;
      expect(event.status).not.toBe('cancelled');
      expect(event.conferenceData).toBeUndefined();
    }, 30_000);
    // Once cancelled, the same DELETE still answers the same.
    expect(await api(`/v1/meetings/${meetingId}`, undefined, 'DELETE')).toEqual(first);

    // Our own removal is not taken for the user's: no conference-removed is reported for the event.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const { rows } = await stack.eventStore.query<{
      type: string;
      change: string | null;
      reason: string | null;
    }>(
      `SELECT event_type AS type, data->>'change' AS change, data->>'reason' AS reason
         FROM "${stack.eventStoreSchema}".event_store_events
        WHERE stream_id = $1 OR stream_id LIKE $2 ORDER BY global_position`,
      [`meeting-${meetingId}`, `calendarEvent-%.${eventId}`],
    );
    expect(rows.filter((row) => row.change === 'conference-removed')).toEqual([]);
    expect(rows.filter((row) => row.type === 'MeetingCancelled')).toEqual([
      { type: 'MeetingCancelled', change: null, reason: 'user-request' },
    ]);
  }, 60_000);

  it('answers 503 when Google cannot be reached, and nothing is created', async () => {
    const unreachable = await messageInAlicesMailbox('While Google is down');
    await stack.google.request('/faults', { pathPrefix: '/gmail', status: 503 });
    try {
      const answer = await api<ApiError>('/v1/meetings/from-gmail', { ...unreachable, start, end });
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('service_unavailable');
      expect((await calendarEvents()).some((event) => event.summary === 'While Google is down')).toBe(false);
    } finally {
      await stack.google.request('/faults', undefined, 'DELETE');
    }
  }, 60_000);
});
