// npm run demo: drives the first journey against the stack `npm start` runs, then prints the
// meeting's timeline as its event stream holds it. Connect Google and Webex through the
// gateway's OAuth redirects (the emulators consent for the demo user), add a Webex meeting to
// a new Calendar event, move the event, rename it, and delete it.
import { EmulatorControl, demoGoogleClient, demoTenant } from '@scheduler/emulators';
import { PostgresEventStore, recordedEventToEnvelope } from '@scheduler/event-store';

const gatewayUrl = process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000';
const google = new EmulatorControl(process.env.GOOGLE_EMULATOR_URL ?? 'http://127.0.0.1:4010');
const webex = new EmulatorControl(process.env.WEBEX_EMULATOR_URL ?? 'http://127.0.0.1:4020');
const eventStoreUrl = process.env.EVENT_STORE_URL ?? 'postgres://postgres:postgres@127.0.0.1:55432/events';
const user = demoTenant.user;

const step = (text: string) => console.log(`\n▶ ${text}`);

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// The browser's cookies (the gateway's OAuth flow cookies): each callback needs its start's cookie.
const cookies = new Map<string, string>();

async function browserFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (cookies.size > 0)
    headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  for (const line of response.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const [name = '', value = ''] = pair.split('=');
    if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') cookies.delete(name);
    else cookies.set(name, value);
  }
  return response;
}

async function browse(url: string): Promise<Response> {
  let response = await browserFetch(url);
  for (let hop = 0; hop < 6 && response.status >= 300 && response.status < 400; hop++) {
    response = await browserFetch(new URL(response.headers.get('location')!, url));
  }
  if (response.status >= 400)
    throw new Error(`${url} ended with ${response.status}: ${await response.text()}`);
  return response;
}

async function api<T>(path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gatewayUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function webexMeeting(meetingId: string) {
  const { meetings } = await webex.request<{
    meetings: Array<Record<string, unknown> & { integrationTags?: string[] }>;
  }>('/webex/meetings');
  return meetings.find((meeting) => meeting.integrationTags?.includes(meetingId));
}

const { idToken } = await google.request<{ idToken: string }>('/google/id-token', {
  email: user,
  audience: demoGoogleClient.clientId,
});

step(`connect Google for ${user} (gateway → Google consent → google-ingest)`);
await browse(
  `${gatewayUrl}/v1/oauth/google/start?returnTo=${encodeURIComponent(`${gatewayUrl}/health/live`)}`,
);

step('connect Webex (gateway → Webex consent → webex-bridge)');
// From the browser that opens the URL: the start sets the flow's cookie.
const webexStart = await browserFetch(`${gatewayUrl}/v1/oauth/webex/start`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
  body: JSON.stringify({ returnTo: `${gatewayUrl}/health/live` }),
});
await browse(((await webexStart.json()) as { authorizationUrl: string }).authorizationUrl);

step('create a Calendar event, as the user would in Calendar');
const startAt = new Date(Date.now() + 2 * 24 * 3600_000);
startAt.setUTCMinutes(0, 0, 0);
const event = await google.request<{ id: string }>(`/google/calendars/${encodeURIComponent(user)}/events`, {
  summary: 'Demo: quarterly planning',
  start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
  end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
  attendees: [{ email: 'bob@demo.example', displayName: 'Bob' }],
});

step('add a Webex meeting to it: POST /v1/meetings');
const added = await api<{ meetingId: string }>('/v1/meetings', idToken, {
  calendarId: user,
  eventId: event.id,
});
if (added.status !== 202)
  throw new Error(`POST /v1/meetings answered ${added.status}: ${JSON.stringify(added.body)}`);
const { meetingId } = added.body;
const attached = await until('the meeting to be attached', async () => {
  const view = await api<{ status: string; joinLink?: string }>(`/v1/meetings/${meetingId}`, idToken);
  return view.body.status === 'attached' ? view.body : undefined;
});
console.log(`  meeting ${meetingId}: ${attached.status}, join link ${attached.joinLink}`);

step('move the event by a day, then rename it');
const moved = new Date(startAt.getTime() + 24 * 3600_000);
const eventPath = `/google/calendars/${encodeURIComponent(user)}/events/${event.id}`;
await google.request(
  eventPath,
  {
    start: { dateTime: moved.toISOString(), timeZone: 'Europe/Berlin' },
    end: { dateTime: new Date(moved.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
  },
  'PATCH',
);
await until('Webex to have the new time', async () =>
  Date.parse(String((await webexMeeting(meetingId))?.start)) === moved.getTime() ? true : undefined,
);
await google.request(eventPath, { summary: 'Demo: quarterly planning (moved)' }, 'PATCH');
await until('Webex to have the new title', async () =>
  (await webexMeeting(meetingId))?.title === 'Demo: quarterly planning (moved)' ? true : undefined,
);

step('delete the event');
await google.request(eventPath, undefined, 'DELETE');
await until('the Webex meeting to be gone', async () => ((await webexMeeting(meetingId)) ? undefined : true));
// A cancelled meeting never takes place: under the default policy (nothing kept after the end)
// retention destroys its key at once, and the read model keeps only ids and times.
const purged = await until('retention to purge its personal data', async () => {
  const view = await api<{ status: string; title?: string }>(`/v1/meetings/${meetingId}`, idToken);
  return view.body.status === 'purged' ? view.body : undefined;
});
console.log(`  meeting ${meetingId}: ${purged.status}, title ${purged.title ?? '(gone)'}`);

step(`timeline of meeting-${meetingId}, read from its event stream`);
const store = await PostgresEventStore.connect({ connectionString: eventStoreUrl });
try {
  for (const recorded of await store.readStream(`meeting-${meetingId}`)) {
    const envelope = recordedEventToEnvelope(recorded);
    console.log(
      `  ${envelope.occurredAt}  ${envelope.type.padEnd(24)} correlation ${envelope.correlationId}`,
    );
  }
} finally {
  await store.close();
}
console.log('\ndemo complete');
