import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoGoogleClient, demoTenant } from '@scheduler/emulators';
import { startJourneyStack, type JourneyStack } from '@scheduler/test-harness';
import { eventually } from '@scheduler/testing';

// The user's right to be forgotten through the whole system: connect both accounts, have a
// meeting, DELETE /v1/me; then the Webex meeting and our conference are gone, the watch channel
// stopped, the Google grant revoked, nothing personal of the user's readable anywhere, and the
// read models still rebuild from the log.
const alice = demoTenant.user;
const title = 'Erasure board sync 7Q4';
const invitee = { email: 'zed.erasure@partner.example', displayName: 'Zed Erasure' };

interface ApiError {
  error: { code: string; message: string; [detail: string]: unknown };
}

interface Erasure {
  status: 'erasing' | 'erased';
  futureMeetings: 'cancel' | 'keep';
  requestedAt: string;
  stepsCompleted: string[];
  erasedAt?: string;
}

interface CalendarEvent {
  id: string;
  status?: string;
  conferenceData?: unknown;
}

let stack: JourneyStack;
let idToken: string;

beforeAll(async () => {
  stack = await startJourneyStack({
    environment: { 'webex-bridge': { ACCOUNT_ERASURE_INTERVAL_MS: '1000' } },
  });
  idToken = await stack.connectDemoUser();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const api = <T>(path: string, body?: unknown, method?: string, token = idToken) =>
  stack.callGateway<T>(token, path, body, method);

/** Every row of every table in `schema`, as text (what a database dump would show). */
async function tableText(schema: string): Promise<Map<string, string>> {
  const { rows: tables } = await stack.eventStore.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
    [schema],
  );
  const text = new Map<string, string>();
  for (const { table_name: table } of tables) {
    const { rows } = await stack.eventStore.query<{ row: string }>(
      `SELECT t::text AS row FROM "${schema}"."${table}" t`,
    );
    text.set(table, rows.map((row) => row.row).join('\n'));
  }
  return text;
}

/** The files of JetStream's store (its message blocks), when the run says where they are. */
function jetStreamFiles(): Buffer[] {
  const root = process.env.TEST_NATS_STORE_DIR;
  if (!root) return [];
  const files: Buffer[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(readFileSync(path));
    }
  };
  walk(root);
  return files;
}

const hits = (haystack: string, needle: string) => haystack.split(needle).length - 1;

async function webexMeetingsOf(meetingId: string): Promise<unknown[]> {
  const { meetings } = await stack.webex.request<{ meetings: Array<{ integrationTags?: string[] }> }>(
    '/webex/meetings',
  );
  return meetings.filter((meeting) => meeting.integrationTags?.includes(meetingId));
}

describe('DELETE /v1/me: disconnect and erase', () => {
  let meetingId: string;
  let eventId: string;
  let secrets: string[];

  it('has a meeting with a Webex meeting and our conference on the calendar event', async () => {
    const startAt = new Date(Date.now() + 3 * 86_400_000);
    startAt.setUTCHours(10, 0, 0, 0);
    const event = await stack.google.request<{ id: string }>(
      `/google/calendars/${encodeURIComponent(alice)}/events`,
      {
        summary: title,
        start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
        end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
        attendees: [invitee],
      },
    );
    eventId = event.id;
    const added = await api<{ meetingId: string }>('/v1/meetings', { calendarId: alice, eventId });
    expect(added.status).toBe(202);
    meetingId = added.body.meetingId;
    await eventually(async () => {
      const view = await api<{ status: string; sync?: { status: string } }>(`/v1/meetings/${meetingId}`);
      expect(view.body).toMatchObject({ status: 'attached', sync: { status: 'converged' } });
    }, 60_000);
    expect(await webexMeetingsOf(meetingId)).toHaveLength(1);
    // Alice's tokens at Google and Webex: none of them may survive the erasure anywhere.
    secrets = [
      ...stack.emulators.google.oauth.refreshTokensOf(alice).map((token) => token.token),
      ...stack.emulators.google.oauth.accessTokensOf(alice),
      ...[...stack.emulators.webex.state.tokens.keys()],
    ];
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    // The scans below can see plaintext: the meetings read model holds the title now.
    expect([...(await tableText(stack.schemas.gateway)).values()].some((text) => text.includes(title))).toBe(
      true,
    );
  }, 90_000);

  it('refuses an unauthenticated caller (401), a bad body (400) and a user it knows nothing of (404), recording nothing', async () => {
    const anonymous = await fetch(`${stack.gatewayUrl}/v1/me`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ futureMeetings: 'cancel' }),
    });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as ApiError).error.code).toBe('unauthenticated');

    const badChoice = await api<ApiError>('/v1/me', { futureMeetings: 'maybe' }, 'DELETE');
    expect(badChoice.status).toBe(400);
    expect(badChoice.body.error).toMatchObject({
      code: 'invalid_request',
      fields: [{ path: 'futureMeetings' }],
    });
    const noBody = await api<ApiError>('/v1/me', undefined, 'DELETE');
    expect(noBody.status).toBe(400);
    expect(noBody.body.error.code).toBe('invalid_request');

    stack.emulators.google.seed({
      users: [{ email: 'zoe@demo.example', name: 'Zoe Stranger', calendars: [] }],
    });
    const { idToken: strangerToken } = await stack.google.request<{ idToken: string }>('/google/id-token', {
      email: 'zoe@demo.example',
      audience: demoGoogleClient.clientId,
    });
    const stranger = await api<ApiError>('/v1/me', { futureMeetings: 'keep' }, 'DELETE', strangerToken);
    expect(stranger.status).toBe(404);
    expect(stranger.body.error.code).toBe('account_not_found');
    const noErasure = await api<ApiError>('/v1/me/erasure');
    expect(noErasure.status).toBe(404);
    expect(noErasure.body.error.code).toBe('erasure_not_found');

    const { rows } = await stack.eventStore.query(
      `SELECT 1 FROM "${stack.schemas.events}".event_store_events WHERE stream_id LIKE 'accountErasure-%'`,
    );
    expect(rows).toHaveLength(0);
  });

  it('answers 202 with a status to poll, the same while it runs, and completes after a crash of google-ingest', async () => {
    // google-ingest is down when the erasure starts: its step waits in JetStream for its restart.
    await stack.services['google-ingest'].stop('SIGKILL');
    const response = await fetch(`${stack.gatewayUrl}/v1/me`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
      body: JSON.stringify({ futureMeetings: 'cancel' }),
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe('/v1/me/erasure');
    const accepted = (await response.json()) as Erasure;
    expect(accepted).toMatchObject({ status: 'erasing', futureMeetings: 'cancel' });

    // Asked again while it runs (even with another choice): the first request stands.
    const again = await api<Erasure>('/v1/me', { futureMeetings: 'keep' }, 'DELETE');
    expect(again).toMatchObject({ status: 202, body: { status: 'erasing', futureMeetings: 'cancel' } });

    await eventually(async () => {
      const status = await api<Erasure>('/v1/me/erasure');
      expect(status.body).toMatchObject({ status: 'erasing', stepsCompleted: ['webex-bridge'] });
    }, 60_000);
    await stack.restart('google-ingest');

    const erased = await eventually(async () => {
      const status = await api<Erasure>('/v1/me/erasure');
      expect(status.body).toMatchObject({
        status: 'erased',
        stepsCompleted: ['webex-bridge', 'google-ingest'],
      });
      return status.body;
    }, 90_000);
    expect(erased.requestedAt).toBe(accepted.requestedAt);

    const repeated = await api<ApiError>('/v1/me', { futureMeetings: 'cancel' }, 'DELETE');
    expect(repeated.status).toBe(409);
    expect(repeated.body.error).toMatchObject({ code: 'account_erased', erasedAt: erased.erasedAt });
  }, 120_000);

  it('cancelled the meeting (Webex meeting deleted, conference off the event, which stays), stopped the channel, revoked the grant', async () => {
    expect(await webexMeetingsOf(meetingId)).toHaveLength(0);
    const { items } = await stack.google.request<{ items: CalendarEvent[] }>(
      `/google/calendars/${encodeURIComponent(alice)}/events`,
    );
    const event = items.find((candidate) => candidate.id === eventId)!;
    expect(event.status).not.toBe('cancelled');
    expect(event.conferenceData).toBeUndefined();

    const { requests: stops } = await stack.google.request<{ requests: unknown[] }>(
      '/requests?method=POST&pathPrefix=/calendar/v3/channels/stop',
    );
    expect(stops.length).toBeGreaterThanOrEqual(1);
    const { requests: revocations } = await stack.google.request<{ requests: Array<{ status?: number }> }>(
      '/requests?method=POST&pathPrefix=/revoke',
    );
    expect(revocations.length).toBeGreaterThanOrEqual(1);
    expect(stack.emulators.google.oauth.refreshTokensOf(alice).every((token) => token.revoked)).toBe(true);
    expect(stack.emulators.google.oauth.accessTokensOf(alice)).toEqual([]);

    const { rows } = await stack.eventStore.query<{ type: string; reason: string | null }>(
      `SELECT event_type AS type, data->>'reason' AS reason FROM "${stack.schemas.events}".event_store_events
        WHERE stream_id = $1 ORDER BY global_position`,
      [`meeting-${meetingId}`],
    );
    expect(rows.map((row) => row.type)).toEqual(
      expect.arrayContaining(['MeetingCancellationRequested', 'MeetingCancelled', 'MeetingDataPurged']),
    );
    expect(rows.find((row) => row.type === 'MeetingCancelled')?.reason).toBe('user-request');
    const erasure = await stack.eventStore.query<{ type: string }>(
      `SELECT event_type AS type FROM "${stack.schemas.events}".event_store_events
        WHERE stream_id LIKE 'accountErasure-%' ORDER BY global_position`,
    );
    expect(erasure.rows.map((row) => row.type)).toEqual([
      'AccountErasureRequested',
      'AccountErasureStepCompleted',
      'AccountErasureStepCompleted',
      'AccountErased',
    ]);
  });

  it('leaves no title, invitee or token of the user in any database, in JetStream or in the logs; and no row of theirs in the private databases', async () => {
    const needles = [title, invitee.email, invitee.displayName, ...secrets];
    const databases = new Map<string, string>();
    for (const [name, schema] of Object.entries(stack.schemas))
      for (const [table, text] of await tableText(schema)) databases.set(`${name}.${table}`, text);
    const found = (haystacks: Map<string, string>, needle: string) =>
      [...haystacks].filter(([, text]) => text.includes(needle)).map(([where]) => where);
    for (const needle of needles)
      expect({ needle: needle.slice(0, 12), in: found(databases, needle) }).toEqual({
        needle: needle.slice(0, 12),
        in: [],
      });

    // The private databases and the accounts read model hold nothing of the user's any more.
    const { rows: accountDocs } = await stack.eventStore.query(
      `SELECT 1 FROM information_schema.tables WHERE table_schema = $1`,
      [stack.schemas.gateway],
    );
    expect(accountDocs.length).toBeGreaterThan(0);
    for (const service of ['google-ingest', 'webex-bridge'] as const)
      for (const [table, text] of await tableText(stack.schemas[service]))
        expect({ table, alice: hits(text, alice) }).toEqual({ table, alice: 0 });
    const me = await api<{ google: { status: string; email?: string }; webex: { status: string } }>('/v1/me');
    expect(me.body.google).toEqual({ status: 'not-connected' });
    expect(me.body.webex).toEqual({ status: 'not-connected' });

    const stored = jetStreamFiles();
    // The store is really read: the meeting's id travels in clear in its events.
    if (process.env.TEST_NATS_STORE_DIR) expect(stored.some((file) => file.includes(meetingId))).toBe(true);
    // Known gap: a primary calendar's id is its owner's email, and calendar ids are stored in
    // clear (events, JetStream, the meetings read model). Nowhere else may the email remain.
    expect(
      [...databases]
        .filter(([, text]) => text.includes(alice))
        .map(([where]) => where)
        .filter((where) => where !== 'events.event_store_events' && !where.startsWith('gateway.meetings')),
    ).toEqual([]);
    for (const needle of needles)
      expect({
        needle: needle.slice(0, 12),
        files: stored.filter((file) => file.includes(needle)).length,
      }).toEqual({
        needle: needle.slice(0, 12),
        files: 0,
      });

    const logs = Object.values(stack.services)
      .map((service) => service.output())
      .join('\n');
    for (const needle of [...needles, alice])
      expect({ needle: needle.slice(0, 12), hits: hits(logs, needle) }).toEqual({
        needle: needle.slice(0, 12),
        hits: 0,
      });
  });

  it('rebuilds the read models from the log with the admin CLI (audit replay), and they still hold nothing of the user', async () => {
    const bin = fileURLToPath(new URL('../cli/bin/scheduler.mjs', import.meta.url));
    for (const projection of ['gateway-meetings', 'gateway-accounts', 'gateway-account-erasures']) {
      const child = spawn(process.execPath, [bin, 'audit', 'replay', '--projection', projection], {
        env: { ...process.env, ...stack.environments.gateway },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect({ projection, status, output }).toMatchObject({ projection, status: 0 });
      expect(output).toMatch(new RegExp(`replayed ${projection}: \\d+ events`));
    }
    const gateway = await tableText(stack.schemas.gateway);
    for (const needle of [title, invitee.email, invitee.displayName])
      expect([...gateway.values()].some((text) => text.includes(needle))).toBe(false);
    expect((await api<Erasure>('/v1/me/erasure')).body).toMatchObject({ status: 'erased' });
    const me = await api<{ google: { status: string } }>('/v1/me');
    expect(me.body.google).toEqual({ status: 'not-connected' });
  }, 120_000);
});
