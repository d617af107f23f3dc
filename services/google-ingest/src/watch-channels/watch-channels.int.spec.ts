import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { newUuidV7 } from '@scheduler/contracts';
import { createGoogleEmulator, type GoogleEmulator, EmulatorControl } from '@scheduler/emulators';
import { KeyEncryptionKeyRing, type PersonalDataCodec } from '@scheduler/crypto-shredding';
import { PostgresEventStore, type RecordedEvent, recordedEventToEnvelope } from '@scheduler/event-store';
import { GoogleCalendarClient, GoogleOAuth } from '@scheduler/google';
import { testPersonalData } from '../../test/google-ingest.fixture.js';
import { sealedEnvelopeCodec } from '@scheduler/runtime';
import { eventually, isolatedSchema, type IsolatedSchema } from '@scheduler/testing';
import { type CalendarAccount, CalendarSyncEngine } from '../calendar-sync/calendar-sync-engine.js';
import { buildOurConferenceData } from '../calendar-sync/conference.js';
import { calendarEventStreamId } from '../calendar-sync/event-mapping.js';
import { ensureCalendarSyncSchema } from '../calendar-sync/migrations.js';
import { ChannelIds } from './channel-ids.js';
import { ChannelManager, type ChannelManagerOptions, type NotificationResult } from './channel-manager.js';
import { ensureChannelSchema } from './migrations.js';

const clientId = 'scheduler-channels-test.apps.googleusercontent.com';
const clientSecret = 'channels-test-secret';
const redirectUri = 'http://127.0.0.1/oauth/google/callback';
const scopes = ['openid', 'email', 'https://www.googleapis.com/auth/calendar'];
const ttlSeconds = 3_600;

let emulator: GoogleEmulator;
let schema: IsolatedSchema;
let pool: pg.Pool;
let store: PostgresEventStore;
let personalData: PersonalDataCodec;
let keyEncryptionKey: string;
let manager: ChannelManager;
let managerOptions: ChannelManagerOptions;
let alice: CalendarAccount;
let webhook: Server;
const results: NotificationResult[] = [];
const syncErrors: unknown[] = [];

async function control(path: string, body?: unknown, method?: string) {
  return new EmulatorControl(emulator.url).request(path, body, method);
}

const calendarPath = () => `/google/calendars/${encodeURIComponent(alice.email)}`;

interface NotificationLogEntry {
  channelId: string;
  messageNumber: number;
  resourceState: string;
  headers: Record<string, string>;
  dropped: boolean;
  delivered: boolean;
  attempts: unknown[];
}

const notificationsOf = async (channelId: string) =>
  (
    (await control(`/google/notifications?channelId=${channelId}`)) as {
      notifications: NotificationLogEntry[];
    }
  ).notifications;

/** Waits until the emulator delivered (or dropped) every notification so far, then until our syncs are done. */
async function settle(): Promise<void> {
  await eventually(async () => {
    const { notifications } = (await control('/google/notifications')) as {
      notifications: NotificationLogEntry[];
    };
    expect(notifications.filter((entry) => !entry.dropped && entry.attempts.length === 0)).toEqual([]);
  });
  await manager.idle();
}

/** Opened, as a consumer sees them (the store holds their personal fields sealed). */
const calendarEvents = async (eventId: string): Promise<RecordedEvent[]> =>
  Promise.all(
    (await store.readAll({ filter: { categories: ['calendarEvent'] } }))
      .filter((event) => event.streamId === calendarEventStreamId(alice.userId, eventId))
      .map(async (event) => ({
        ...event,
        data: (await personalData.decode(recordedEventToEnvelope(event))).event.data as RecordedEvent['data'],
      })),
  );
const watchEvents = () => store.readAll({ filter: { categories: ['calendarWatch'] } });

async function createOurEvent(summary: string, startIso: string): Promise<string> {
  const meetingId = newUuidV7();
  const event = await control(`${calendarPath()}/events`, {
    summary,
    start: { dateTime: startIso, timeZone: 'Europe/Berlin' },
    end: { dateTime: new Date(Date.parse(startIso) + 1_800_000).toISOString(), timeZone: 'Europe/Berlin' },
    conferenceData: buildOurConferenceData({
      meetingId,
      meetingNumber: '2551234567',
      joinUrl: 'https://acme.webex.com/acme/j.php?MTID=m1',
      siteUrl: 'acme.webex.com',
    }),
  });
  return event!.id as string;
}

const changeEvent = (eventId: string, changes: Record<string, unknown>) =>
  control(`${calendarPath()}/events/${eventId}`, changes, 'PATCH');

/** Posts headers to our webhook like Google would, and returns what the manager made of them. */
async function notify(headers: Record<string, string>): Promise<NotificationResult> {
  const before = results.length;
  const response = await fetch(webhookUrl(), { method: 'POST', headers });
  expect(response.status).toBe(200);
  return results[before]!;
}
const webhookUrl = () => `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/webhooks/google`;

beforeAll(async () => {
  schema = await isolatedSchema('calendar_channels');
  pool = new pg.Pool({ connectionString: schema.connectionString, max: 8 });
  await ensureCalendarSyncSchema(pool);
  await ensureChannelSchema(pool);
  store = await PostgresEventStore.connect({ connectionString: schema.connectionString });
  ({ codec: personalData, keyEncryptionKey } = await testPersonalData(pool));
  emulator = await createGoogleEmulator({ push: { retryBaseDelayMs: 50 } });
  await emulator.listen();
  const seeded = emulator.seed({
    clients: [{ clientId, clientSecret }],
    users: [{ email: 'alice@demo.example', name: 'Alice', timeZone: 'Europe/Berlin' }],
  });
  const oauth = new GoogleOAuth({
    clientId,
    clientSecret,
    redirectUri,
    endpoints: emulator.endpoints,
  });
  const { code } = (await control('/google/authorize', {
    clientId,
    email: 'alice@demo.example',
    scopes,
    redirectUri,
  })) as { code: string };
  const tokens = await oauth.exchangeCode(code);
  const auth = oauth.clientFor({ ...tokens, refreshToken: tokens.refreshToken!, onTokens: () => undefined });
  alice = {
    userId: seeded.users[0]!.sub,
    tenantId: 'demo.example',
    email: 'alice@demo.example',
    calendar: new GoogleCalendarClient({
      auth,
      rootUrl: emulator.endpoints.calendarRootUrl,
      resilience: { baseDelayMs: 20 },
    }),
  };

  // Our webhook as the gateway will host it: verify, answer 200 whatever the outcome.
  webhook = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      manager
        .handleNotification(request.headers as IncomingHttpHeaders)
        .then((result) => {
          results.push(result);
          response.writeHead(200).end();
        })
        .catch(() => response.writeHead(500).end());
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));

  managerOptions = {
    pool,
    eventStore: store,
    codec: sealedEnvelopeCodec(personalData),
    syncer: new CalendarSyncEngine({
      pool,
      eventStore: store,
      codec: sealedEnvelopeCodec(personalData),
      clock: () => emulator.clock.now(),
    }),
    channelIds: ChannelIds.fromKeyRing(KeyEncryptionKeyRing.fromEnvironment({ primary: keyEncryptionKey })),
    accounts: async (userId) => (userId === alice.userId ? alice : undefined),
    webhookAddress: webhookUrl(),
    clock: () => emulator.clock.now(),
    channelTtlSeconds: ttlSeconds,
    renewBeforeMs: 10 * 60_000,
    overlapMs: 2 * 60_000,
    onSyncError: (error) => syncErrors.push(error),
  };
  manager = new ChannelManager(managerOptions);
});

afterAll(async () => {
  await manager?.idle();
  await emulator?.close();
  await new Promise((resolve) => webhook?.close(resolve));
  await store?.close();
  await pool?.end();
  await schema?.drop();
});

describe('watch channels and push notifications', () => {
  let channelId: string;
  let eventId: string;

  it('starts a watch: CalendarWatchStarted, the sync message accepted, the initial sync run; the token is never stored', async () => {
    eventId = await createOurEvent('Planning', '2027-02-01T09:00:00Z');
    const channel = await manager.startWatch(alice, alice.email);
    channelId = channel.channelId;
    await settle();
    expect(results).toEqual([
      { outcome: 'accepted', channelId, resourceState: 'sync', syncScheduled: false },
    ]);
    expect((await watchEvents()).map((event) => [event.type, event.data])).toEqual([
      [
        'CalendarWatchStarted',
        {
          userId: alice.userId,
          calendarId: alice.email,
          channelId,
          resourceId: channel.resourceId,
          expiresAt: channel.expiresAt.toISOString(),
        },
      ],
      ['CalendarSyncReset', { userId: alice.userId, calendarId: alice.email, reason: 'initial' }],
    ]);
    expect((await calendarEvents(eventId)).map((event) => (event.data as { change: string }).change)).toEqual(
      ['created'],
    );
    // Google holds the channel token; we keep only its digest.
    const [sync] = await notificationsOf(channelId);
    const token = sync!.headers['X-Goog-Channel-Token']!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits, base64url
    const rows = await pool.query('SELECT row_to_json(c)::text AS row FROM calendar_channels c');
    expect(rows.rows.map((row: { row: string }) => row.row).join()).not.toContain(token);
    expect(syncErrors).toEqual([]);
  });

  it('a time change pushed by Google reaches the store as one updated event with the new times', async () => {
    await changeEvent(eventId, {
      start: { dateTime: '2027-02-01T11:00:00+01:00', timeZone: 'Europe/Berlin' },
      end: { dateTime: '2027-02-01T12:00:00+01:00', timeZone: 'Europe/Berlin' },
    });
    await settle();
    const events = await calendarEvents(eventId);
    expect(events).toHaveLength(2);
    expect(events[1]!.data).toMatchObject({
      change: 'updated',
      start: '2027-02-01T10:00:00.000Z',
      end: '2027-02-01T11:00:00.000Z',
    });
    expect(results.at(-1)).toEqual({
      outcome: 'accepted',
      channelId,
      resourceState: 'exists',
      syncScheduled: true,
    });
  });

  it('a title change pushed by Google: one updated event with the new title', async () => {
    await changeEvent(eventId, { summary: 'Planning (renamed)' });
    await settle();
    const events = await calendarEvents(eventId);
    expect(events).toHaveLength(3);
    expect(events[2]!.data).toMatchObject({ change: 'updated', title: 'Planning (renamed)' });
  });

  it('the same notification delivered 5 times is acted on once; the replays are ignored', async () => {
    const last = (await notificationsOf(channelId)).at(-1)!;
    const replays = [];
    for (let index = 0; index < 5; index++) replays.push(await notify(last.headers));
    expect(replays).toEqual(Array(5).fill({ outcome: 'ignored', reason: 'replayed' }));
    await settle();
    expect(await calendarEvents(eventId)).toHaveLength(3);
  });

  it('renews a channel before it expires, keeps both live for the overlap, then stops the old one', async () => {
    const eventsBefore = (await calendarEvents(eventId)).length;
    expect(await manager.renewDueChannels()).toEqual({ renewed: [], stopped: [], failed: [] });
    await control('/clock/advance', { seconds: ttlSeconds - 5 * 60 });
    const renewal = await manager.renewDueChannels();
    expect(renewal.failed).toEqual([]);
    expect(renewal.stopped).toEqual([]);
    expect(renewal.renewed).toEqual([{ previousChannelId: channelId, channelId: expect.any(String) }]);
    const successor = renewal.renewed[0]!.channelId;
    await settle();

    // Overlap: Google notifies both channels of a change; both are accepted, one event results.
    await changeEvent(eventId, { summary: 'Planning (overlap)' });
    await settle();
    const accepted = results.slice(-2);
    expect(new Set(accepted.map((result) => (result as { channelId: string }).channelId))).toEqual(
      new Set([channelId, successor]),
    );
    expect(accepted.every((result) => result.outcome === 'accepted')).toBe(true);
    expect(await calendarEvents(eventId)).toHaveLength(eventsBefore + 1);

    expect(await manager.renewDueChannels()).toEqual({ renewed: [], stopped: [], failed: [] });
    await control('/clock/advance', { seconds: 3 * 60 });
    expect(await manager.renewDueChannels()).toEqual({ renewed: [], stopped: [channelId], failed: [] });
    const channels = (
      (await control('/google/channels')) as { channels: Array<{ id: string; stopped: boolean }> }
    ).channels;
    expect(channels.find((channel) => channel.id === channelId)!.stopped).toBe(true);
    expect(channels.find((channel) => channel.id === successor)!.stopped).toBe(false);

    const watch = (await watchEvents()).slice(-2);
    expect(watch.map((event) => [event.type, event.data])).toEqual([
      [
        'CalendarWatchRenewed',
        expect.objectContaining({
          channelId: successor,
          previousChannelId: channelId,
          calendarId: alice.email,
        }),
      ],
      [
        'CalendarWatchStopped',
        { userId: alice.userId, calendarId: alice.email, channelId, reason: 'renewed' },
      ],
    ]);

    // The old channel's notifications, should any still arrive, are ignored; the new one carries on.
    const old = (await notificationsOf(channelId)).at(-1)!;
    expect(await notify({ ...old.headers, 'X-Goog-Message-Number': String(old.messageNumber + 50) })).toEqual(
      {
        outcome: 'ignored',
        reason: 'stopped',
      },
    );
    await changeEvent(eventId, { summary: 'Planning (after renewal)' });
    await settle();
    expect(results.at(-1)).toMatchObject({ outcome: 'accepted', channelId: successor });
    expect((await calendarEvents(eventId)).at(-1)!.data).toMatchObject({ title: 'Planning (after renewal)' });
    channelId = successor;
  });

  it('deleting the event in Google reaches the store as cancelled', async () => {
    await control(`${calendarPath()}/events/${eventId}`, undefined, 'DELETE');
    await settle();
    expect((await calendarEvents(eventId)).at(-1)!.data).toMatchObject({ change: 'cancelled', eventId });
    expect(syncErrors).toEqual([]);
  });

  it('one change announced by 5 different notifications at once makes exactly one event', async () => {
    eventId = await createOurEvent('Review', '2027-02-02T09:00:00Z');
    await settle();
    const before = (await calendarEvents(eventId)).length;
    await control('/google/notifications/drop', { count: 1 });
    await changeEvent(eventId, { summary: 'Planning (five notifications)' });
    const last = (await notificationsOf(channelId)).at(-1)!;
    expect(last.dropped).toBe(true);
    const outcomes = await Promise.all(
      [1, 2, 3, 4, 5].map((step) =>
        notify({ ...last.headers, 'X-Goog-Message-Number': String(last.messageNumber + step) }),
      ),
    );
    // Whole outcomes, so a failure shows why a notification was ignored.
    expect(outcomes).toEqual(Array(5).fill(expect.objectContaining({ outcome: 'accepted' })));
    await settle();
    const titles = (await calendarEvents(eventId)).map((event) => (event.data as { title: string }).title);
    expect(titles.filter((title) => title === 'Planning (five notifications)')).toHaveLength(1);
    expect(titles).toHaveLength(before + 1);
  });

  it('a wrong token, an unknown channel, a foreign resource or malformed headers change nothing; the periodic sync still catches the change', async () => {
    const before = (await calendarEvents(eventId)).length;
    await control('/google/notifications/drop', { count: 1 });
    await changeEvent(eventId, { summary: 'Planning (forged)' });
    const last = (await notificationsOf(channelId)).at(-1)!;
    const next = String(last.messageNumber + 100);
    const token = last.headers['X-Goog-Channel-Token']!;
    const forgedToken = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(
      await notify({ ...last.headers, 'X-Goog-Message-Number': next, 'X-Goog-Channel-Token': forgedToken }),
    ).toEqual({
      outcome: 'ignored',
      reason: 'wrong-token',
    });
    const { 'X-Goog-Channel-Token': _dropped, ...withoutToken } = last.headers;
    expect(await notify({ ...withoutToken, 'X-Goog-Message-Number': next })).toEqual({
      outcome: 'ignored',
      reason: 'wrong-token',
    });
    expect(
      await notify({ ...last.headers, 'X-Goog-Message-Number': next, 'X-Goog-Channel-ID': newUuidV7() }),
    ).toEqual({ outcome: 'ignored', reason: 'unknown-channel' });
    expect(
      await notify({ ...last.headers, 'X-Goog-Message-Number': next, 'X-Goog-Resource-ID': 'someone-else' }),
    ).toEqual({ outcome: 'ignored', reason: 'wrong-resource' });
    expect(await notify({ ...last.headers, 'X-Goog-Message-Number': 'many' })).toEqual({
      outcome: 'ignored',
      reason: 'malformed',
    });
    await settle();
    expect(await calendarEvents(eventId)).toHaveLength(before);
    // The ignored notifications did not use up the message number either.
    expect(await notify({ ...last.headers, 'X-Goog-Message-Number': next })).toMatchObject({
      outcome: 'accepted',
    });
    await settle();
    expect(await calendarEvents(eventId)).toHaveLength(before + 1);

    // A dropped notification with nothing forged: the periodic sync is the safety net.
    await control('/google/notifications/drop', { count: 1 });
    await changeEvent(eventId, { summary: 'Planning (dropped)' });
    await settle();
    expect(await calendarEvents(eventId)).toHaveLength(before + 1);
    expect(await manager.syncWatchedCalendars()).toBe(1);
    await settle();
    expect((await calendarEvents(eventId)).at(-1)!.data).toMatchObject({ title: 'Planning (dropped)' });
  });

  it('refuses a channel id we never issued without a database query; a channel of ours is still read and accepted', async () => {
    await settle();
    const last = (await notificationsOf(channelId)).at(-1)!;
    let acquired = 0;
    const count = () => void acquired++;
    pool.on('acquire', count);
    try {
      const madeUp = [
        newUuidV7(),
        // Our id's shape with another MAC, and our own id's random part under a MAC made with another key.
        `${channelId.slice(0, 36)}_${'A'.repeat(22)}`,
        ChannelIds.fromKeyRing(
          KeyEncryptionKeyRing.fromEnvironment({
            primary: `other:${Buffer.alloc(32, 7).toString('base64')}`,
          }),
        ).issue(),
      ];
      for (const made of madeUp)
        expect(
          await notify({ ...last.headers, 'X-Goog-Message-Number': '999999', 'X-Goog-Channel-ID': made }),
        ).toEqual({ outcome: 'ignored', reason: 'unknown-channel' });
      expect(acquired).toBe(0);

      expect(
        await notify({ ...last.headers, 'X-Goog-Message-Number': String(last.messageNumber + 1000) }),
      ).toMatchObject({ outcome: 'accepted', channelId });
      expect(acquired).toBeGreaterThan(0);
    } finally {
      pool.off('acquire', count);
    }
    await settle();
  });

  it('gives a live channel whose id it cannot verify (issued before ids carried a MAC) a successor at its first renewal pass', async () => {
    const legacyId = newUuidV7();
    const now = emulator.clock.now();
    await pool.query(
      `INSERT INTO calendar_channels
         (channel_id, user_id, calendar_id, resource_id, token_digest, expires_at, created_at)
       VALUES ($1, $2, $3, 'legacy-resource', $4, $5, $6)`,
      [legacyId, alice.userId, alice.email, Buffer.alloc(32), new Date(now.getTime() + 6 * 86_400_000), now],
    );
    // A process that starts (a deployment of this change): its first pass renews the legacy channel.
    const restarted = new ChannelManager(managerOptions);
    const first = await restarted.renewDueChannels();
    expect(first.failed).toEqual([]);
    const successor = first.renewed.find((renewal) => renewal.previousChannelId === legacyId)?.channelId;
    expect(successor && managerOptions.channelIds.isOurs(successor)).toBe(true);
    // Once per process: the next pass does not look for them again.
    expect((await restarted.renewDueChannels()).renewed).toEqual([]);
    await restarted.idle();
    await settle();
  });
});
