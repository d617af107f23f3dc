import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoTenant } from '@scheduler/emulators';
import { startJourneyStack, type JourneyStack } from '@scheduler/test-harness';
import { eventually } from '@scheduler/testing';

// The texts a person reads, in their language, through the whole system: Alice's Google account
// names German (`locale` in the ID token google-ingest verifies at the connection), so the
// gateway's error messages, the conference notes google-ingest writes into her Calendar event
// and the agenda webex-bridge writes into the Webex meeting are German; once she chooses Japanese
// (PUT /v1/me/preferences), they are Japanese. The codes stay as they are.
const alice = demoTenant.user;

interface MeetingView {
  meetingId: string;
  status: string;
}

interface WebexMeeting {
  id: string;
  meetingNumber: string;
  agenda?: string;
  integrationTags?: string[];
}

interface ApiError {
  error: { code: string; message: string; [detail: string]: unknown };
}

let stack: JourneyStack;
let idToken: string;

beforeAll(async () => {
  stack = await startJourneyStack();
  // Google names the account's language in the ID token and userinfo (`locale`).
  await stack.google.request('/google/seed', { users: [{ email: alice, locale: 'de' }] });
  idToken = await stack.connectDemoUser();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function gateway<T>(
  path: string,
  options: { body?: unknown; method?: string; token?: string; acceptLanguage?: string } = {},
): Promise<{ status: number; contentLanguage: string | null; body: T }> {
  const response = await fetch(`${stack.gatewayUrl}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.acceptLanguage ? { 'accept-language': options.acceptLanguage } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return {
    status: response.status,
    contentLanguage: response.headers.get('content-language'),
    body: (await response.json()) as T,
  };
}

/** A Calendar event of Alice's two days ahead, at `hourUtc`. */
async function aliceEvent(summary: string, hourUtc: number): Promise<string> {
  const startAt = new Date(Date.now() + 2 * 86_400_000);
  startAt.setUTCHours(hourUtc, 0, 0, 0);
  const event = await stack.google.request<{ id: string }>(
    `/google/calendars/${encodeURIComponent(alice)}/events`,
    {
      summary,
      start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
      end: { dateTime: new Date(startAt.getTime() + 3_600_000).toISOString(), timeZone: 'Europe/Berlin' },
    },
  );
  return event.id;
}

/** Adds a meeting to the event and waits until its conference is in the event: the conference and the Webex meeting. */
async function meetingOn(eventId: string) {
  const added = await gateway<{ meetingId: string }>('/v1/meetings', {
    body: { calendarId: alice, eventId },
    token: idToken,
  });
  expect(added.status).toBe(202);
  const { meetingId } = added.body;
  await eventually(async () => {
    const view = await gateway<MeetingView>(`/v1/meetings/${meetingId}`, { token: idToken });
    expect(view.body.status).toBe('attached');
  }, 30_000);
  const { items } = await stack.google.request<{
    items: Array<{ id: string; conferenceData?: { notes?: string } }>;
  }>(`/google/calendars/${encodeURIComponent(alice)}/events`);
  const conference = items.find((item) => item.id === eventId)!.conferenceData!;
  const { meetings } = await stack.webex.request<{ meetings: WebexMeeting[] }>('/webex/meetings');
  const webexMeeting = meetings.find((meeting) => meeting.integrationTags?.includes(meetingId))!;
  return { meetingId, conference, webexMeeting };
}

describe("the texts a person reads are in the user's language", () => {
  it('answers a caller without a token in its Accept-Language', async () => {
    const answer = await gateway<ApiError>('/v1/me', { acceptLanguage: 'fr-FR,fr;q=0.9,en;q=0.8' });
    expect(answer).toEqual({
      status: 401,
      contentLanguage: 'fr',
      body: {
        error: expect.objectContaining({
          code: 'unauthenticated',
          message: 'Un en-tête « Authorization: Bearer <jeton d’identité Google> » est requis',
        }),
      },
    });
  });

  let firstEventId: string;

  it('a user whose Google account is German gets German conference notes and a German Webex agenda', async () => {
    firstEventId = await aliceEvent('Quartalsplanung', 9);
    const { conference, webexMeeting } = await meetingOn(firstEventId);
    // The emulator's meetings carry call-in numbers, whose access code is the meeting number.
    expect(conference.notes).toBe(
      `Webex-Meetingnummer: ${webexMeeting.meetingNumber}\nZugriffscode: ${webexMeeting.meetingNumber}`,
    );
    expect(webexMeeting.agenda).toBe(
      'Geplant aus Google Kalender. Ändern Sie sie dort: Änderungen in Webex werden rückgängig gemacht.',
    );
  }, 90_000);

  it("the gateway answers the user's errors in German, whatever the request's Accept-Language; the code stays", async () => {
    const again = await gateway<ApiError>('/v1/meetings', {
      body: { calendarId: alice, eventId: firstEventId },
      token: idToken,
      acceptLanguage: 'en-US',
    });
    expect(again).toMatchObject({
      status: 409,
      contentLanguage: 'de',
      body: {
        error: {
          code: 'meeting_already_exists',
          message: 'Der Kalendertermin hat bereits eine aktive Besprechung',
        },
      },
    });
    const unknown = await gateway<ApiError>('/v1/meetings/019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b', {
      token: idToken,
    });
    expect(unknown.body.error).toEqual(
      expect.objectContaining({
        code: 'meeting_not_found',
        message: 'Für den angemeldeten Benutzer gibt es keine Besprechung mit dieser ID',
      }),
    );
  });

  it('once the user chooses Japanese, errors, notes and agenda are Japanese', async () => {
    const chosen = await gateway('/v1/me/preferences', {
      body: { language: 'ja' },
      method: 'PUT',
      token: idToken,
    });
    expect(chosen.status).toBe(200);
    const unknown = await gateway<ApiError>('/v1/meetings/019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b', {
      token: idToken,
    });
    expect(unknown).toMatchObject({
      status: 404,
      contentLanguage: 'ja',
      body: {
        error: { code: 'meeting_not_found', message: '認証されたユーザーにこの ID の会議はありません' },
      },
    });

    const { conference, webexMeeting } = await meetingOn(await aliceEvent('四半期計画', 11));
    expect(conference.notes).toBe(
      `Webex 会議番号: ${webexMeeting.meetingNumber}\nアクセス コード: ${webexMeeting.meetingNumber}`,
    );
    expect(webexMeeting.agenda).toBe(
      'Google カレンダーから予定されました。変更は Google カレンダーで行ってください。Webex での変更は元に戻されます。',
    );
  }, 90_000);
});
