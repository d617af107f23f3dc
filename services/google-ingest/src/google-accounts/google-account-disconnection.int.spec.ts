import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newUuidV7 } from '@scheduler/contracts';
import { type RecordedEvent, recordedEventToEnvelope } from '@scheduler/event-store';
import { GoogleApiError, ReauthorizationRequired } from '@scheduler/google';
import { buildOurConferenceData } from '../calendar-sync/conference.js';
import { calendarEventStreamId } from '../calendar-sync/event-mapping.js';
import {
  codeVerifier,
  type GoogleIngestFixture,
  redirectUri,
  startGoogleIngestFixture,
  tenantId,
} from '../../test/google-ingest.fixture.js';

const alice = 'alice@demo.example';
const bob = 'bob@demo.example';
const carol = 'carol@demo.example';

let fixture: GoogleIngestFixture;
let aliceId: string;
let bobId: string;

const request = (code: string, correlationId: string) => ({
  tenantId,
  code,
  redirectUri,
  codeVerifier,
  correlationId,
});
const calendarPath = (email: string) => `/google/calendars/${encodeURIComponent(email)}`;

const opened = async (events: RecordedEvent[]) =>
  Promise.all(
    events.map(async (event) => (await fixture.codec.decode(recordedEventToEnvelope(event))).event),
  );
const accountStream = async (userId: string) =>
  opened(await fixture.store.readStream(`googleAccount-${userId}`));
const watchStream = async (userId: string) =>
  opened(await fixture.store.readStream(`calendarWatch-${userId}`));
const changesOf = async (userId: string, eventId: string) =>
  opened(await fixture.store.readStream(calendarEventStreamId(userId, eventId)));

/** Our channels of a user as stored: which are stopped. */
const storedChannels = async (userId: string) =>
  (
    await fixture.pool.query<{ channel_id: string; stopped: boolean }>(
      'SELECT channel_id, stopped_at IS NOT NULL AS stopped FROM calendar_channels WHERE user_id = $1 ORDER BY created_at',
      [userId],
    )
  ).rows;

/** An event of ours in the user's calendar, as the attacher would have left it. */
const createOurEvent = async (email: string, summary: string, start: string) => {
  const meetingId = newUuidV7();
  const created = await fixture.control(`${calendarPath(email)}/events`, {
    summary,
    start: { dateTime: start },
    end: { dateTime: new Date(Date.parse(start) + 30 * 60_000).toISOString() },
    conferenceData: buildOurConferenceData({
      meetingId,
      meetingNumber: '2551234567',
      joinUrl: 'https://acme.webex.com/acme/j.php?MTID=m2551234567',
      siteUrl: 'acme.webex.com',
    }),
  });
  return { eventId: created!.id as string, meetingId };
};

beforeAll(async () => {
  fixture = await startGoogleIngestFixture('google_account_disconnection', [
    { email: alice, name: 'Alice Example' },
    { email: bob, name: 'Bob Example' },
    { email: carol, name: 'Carol Example' },
  ]);
  aliceId = fixture.users[alice]!.sub;
  bobId = fixture.users[bob]!.sub;
});

afterAll(async () => {
  await fixture?.close();
});

describe('a Google account whose token died', () => {
  let deleted: { eventId: string; meetingId: string };
  let kept: { eventId: string; meetingId: string };

  it('a revoked token: the account is marked, its channels stopped, GoogleAccountDisconnected recorded once', async () => {
    deleted = await createOurEvent(alice, 'Deleted while disconnected', '2027-05-03T09:00:00Z');
    kept = await createOurEvent(alice, 'Moved while disconnected', '2027-05-04T09:00:00Z');
    await fixture.connector.handle(request(await fixture.authorize(alice), 'corr-alice-1'));
    expect((await changesOf(aliceId, deleted.eventId)).map((event) => event.data)).toEqual([
      expect.objectContaining({ change: 'created' }),
    ]);
    expect(await fixture.channels.liveChannels(aliceId, alice)).toHaveLength(1);
    const clientBefore = await fixture.tokens.accountFor(aliceId);

    // The user removes our access in Google; the access token lapses an hour later.
    await fixture.control('/google/refresh-tokens/revoke', { email: alice });
    fixture.emulator.clock.advance(3_700_000);
    await expect(fixture.channels.requestSync(aliceId, alice)).rejects.toBeInstanceOf(
      ReauthorizationRequired,
    );
    await fixture.tokens.idle();

    expect(await fixture.tokens.statusOf(aliceId)).toBe('reauthorization-required');
    const disconnections = (await accountStream(aliceId)).filter(
      (event) => event.type === 'GoogleAccountDisconnected',
    );
    expect(disconnections.map((event) => event.data)).toEqual([
      { userId: aliceId, reason: 'token-revoked', disconnectedAt: expect.any(String) },
    ]);
    expect(disconnections[0]!.streamId).toBe(`googleAccount-${aliceId}`);
    expect((await storedChannels(aliceId)).map((channel) => channel.stopped)).toEqual([true]);
    expect(await fixture.channels.liveChannels(aliceId, alice)).toEqual([]);
    const stops = (await watchStream(aliceId)).filter((event) => event.type === 'CalendarWatchStopped');
    expect(stops.map((event) => event.data)).toEqual([
      expect.objectContaining({ userId: aliceId, calendarId: alice, reason: 'account-disconnected' }),
    ]);

    // A client made before the revocation fails too: nothing is recorded twice.
    await expect(clientBefore!.calendar.timeZone()).rejects.toBeInstanceOf(ReauthorizationRequired);
    await fixture.tokens.idle();
    expect(
      (await accountStream(aliceId)).filter((event) => event.type === 'GoogleAccountDisconnected'),
    ).toHaveLength(1);
    expect(fixture.disconnectionErrors).toEqual([]);
  });

  it('while disconnected nothing asks Google: no calendar is watched, a sync does nothing', async () => {
    await fixture.control(`${calendarPath(alice)}/events/${deleted.eventId}`, undefined, 'DELETE');
    await fixture.control(
      `${calendarPath(alice)}/events/${kept.eventId}`,
      {
        start: { dateTime: '2027-05-04T10:00:00Z' },
        end: { dateTime: '2027-05-04T10:30:00Z' },
      },
      'PATCH',
    );
    expect(await fixture.channels.syncWatchedCalendars()).toBe(0);
    await fixture.channels.requestSync(aliceId, alice);
    expect(await changesOf(aliceId, deleted.eventId)).toHaveLength(1);
  });

  it('reconnecting resyncs in full: the deletion and the change made meanwhile reach the store', async () => {
    const report = await fixture.connector.connect(request(await fixture.authorize(alice), 'corr-alice-2'));
    expect(report).toMatchObject({
      appended: ['GoogleAccountConnected'],
      watch: 'started',
      initialSync: 'completed',
    });
    expect(await fixture.tokens.statusOf(aliceId)).toBe('connected');
    expect((await accountStream(aliceId)).map((event) => event.type)).toEqual([
      'GoogleAccountConnected',
      'GoogleAccountDisconnected',
      'GoogleAccountConnected',
    ]);

    const resets = (await watchStream(aliceId)).filter((event) => event.type === 'CalendarSyncReset');
    expect(resets.map((event) => (event.data as { reason: string }).reason)).toEqual([
      'initial',
      'account-reconnected',
    ]);
    // The bridge deletes the Webex meeting on this.
    expect((await changesOf(aliceId, deleted.eventId)).map((event) => event.data)).toEqual([
      expect.objectContaining({ change: 'created' }),
      {
        change: 'cancelled',
        userId: aliceId,
        calendarId: alice,
        eventId: deleted.eventId,
        conference: { meetingId: deleted.meetingId, conferenceId: '2551234567' },
      },
    ]);
    expect((await changesOf(aliceId, kept.eventId)).map((event) => event.data)).toEqual([
      expect.objectContaining({ change: 'created' }),
      expect.objectContaining({ change: 'updated', start: '2027-05-04T10:00:00.000Z' }),
    ]);
    expect(await fixture.channels.liveChannels(aliceId, alice)).toHaveLength(1);
    expect((await storedChannels(aliceId)).map((channel) => channel.stopped)).toEqual([true, false]);

    // The mark is spent: the next sync is incremental again, and `primary` is the same calendar.
    const account = await fixture.tokens.accountFor(aliceId);
    expect(await fixture.engine.syncCalendar(account!, 'primary')).toMatchObject({
      calendarId: alice,
      mode: 'incremental',
      emitted: { created: 0, updated: 0, cancelled: 0 },
    });
  });

  it('a second death after the reconnection is a new disconnection', async () => {
    await fixture.control('/google/refresh-tokens/revoke', { email: alice });
    fixture.emulator.clock.advance(3_700_000);
    await expect(fixture.channels.requestSync(aliceId, alice)).rejects.toBeInstanceOf(
      ReauthorizationRequired,
    );
    await fixture.tokens.idle();
    expect((await accountStream(aliceId)).map((event) => event.type)).toEqual([
      'GoogleAccountConnected',
      'GoogleAccountDisconnected',
      'GoogleAccountConnected',
      'GoogleAccountDisconnected',
    ]);
    expect((await storedChannels(aliceId)).map((channel) => channel.stopped)).toEqual([true, true]);
  });

  it('an access token Google still refuses after a refresh (401) disconnects with token-rejected; the channel is stopped at Google too', async () => {
    await fixture.connector.handle(request(await fixture.authorize(bob), 'corr-bob-1'));
    const [channel] = await fixture.channels.liveChannels(bobId, bob);
    // Both the call and its retry after the refresh are refused.
    await fixture.control('/faults', { pathPrefix: '/calendar/v3/users/me/settings', status: 401, times: 2 });
    const account = await fixture.tokens.accountFor(bobId);
    const error = await account!.calendar.timeZone().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GoogleApiError);
    expect((error as GoogleApiError).status).toBe(401);
    await fixture.tokens.idle();

    expect(await fixture.tokens.statusOf(bobId)).toBe('reauthorization-required');
    expect(
      (await accountStream(bobId))
        .filter((event) => event.type === 'GoogleAccountDisconnected')
        .map((event) => (event.data as { reason: string }).reason),
    ).toEqual(['token-rejected']);
    expect((await storedChannels(bobId)).map((stored) => stored.stopped)).toEqual([true]);
    // The refresh token still works, so Google accepted channels.stop.
    const { channels } = (await fixture.control('/google/channels')) as {
      channels: Array<{ id: string; stopped: boolean }>;
    };
    expect(channels.find((stored) => stored.id === channel!.channelId)).toMatchObject({ stopped: true });
  });

  it('a disconnection left undone (a crash, a failure) is finished by the retry, once', async () => {
    const carolId = fixture.users[carol]!.sub;
    await fixture.connector.handle(request(await fixture.authorize(carol), 'corr-carol-1'));
    // The process "dies" while handling: the row is marked, nothing else happened.
    fixture.tokens.handleDisconnections(() => Promise.reject(new Error('crashed while disconnecting')));
    await fixture.control('/google/refresh-tokens/revoke', { email: carol });
    fixture.emulator.clock.advance(3_700_000);
    await expect(fixture.channels.requestSync(carolId, carol)).rejects.toBeInstanceOf(
      ReauthorizationRequired,
    );
    await fixture.tokens.idle();
    expect(fixture.disconnectionErrors).toEqual([new Error('crashed while disconnecting')]);
    expect(await fixture.tokens.statusOf(carolId)).toBe('reauthorization-required');
    expect((await accountStream(carolId)).map((event) => event.type)).toEqual(['GoogleAccountConnected']);
    expect((await storedChannels(carolId)).map((channel) => channel.stopped)).toEqual([false]);

    fixture.tokens.handleDisconnections(async (deadGrant) => {
      await fixture.disconnection.disconnect(deadGrant);
    });
    // Too recent: the process that marked it may still be at work.
    expect(await fixture.tokens.retryUnhandledDisconnections()).toBe(0);
    fixture.emulator.clock.advance(120_000);
    expect(await fixture.tokens.retryUnhandledDisconnections()).toBe(1);
    const disconnections = (await accountStream(carolId)).filter(
      (event) => event.type === 'GoogleAccountDisconnected',
    );
    expect(disconnections.map((event) => event.data)).toEqual([
      { userId: carolId, reason: 'token-revoked', disconnectedAt: expect.any(String) },
    ]);
    expect((await storedChannels(carolId)).map((channel) => channel.stopped)).toEqual([true]);
    // Done: nothing is left for the next run.
    expect(await fixture.tokens.retryUnhandledDisconnections()).toBe(0);
  });
});
