import { recordedEventToEnvelope } from '@scheduler/event-store';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ExchangeGoogleAuthorizationCode } from '@scheduler/contracts';
import { isSealedValue } from '@scheduler/crypto-shredding';
import type { RecordedEvent } from '@scheduler/event-store';
import { ReauthorizationRequired } from '@scheduler/google';
import { eventually } from '@scheduler/testing';
import type { GoogleAccount } from './google-token-store.js';
import {
  codeVerifier,
  type GoogleIngestFixture,
  redirectUri,
  scopes,
  startGoogleIngestFixture,
  tenantId,
} from '../../test/google-ingest.fixture.js';

const alice = 'alice@demo.example';
const bob = 'bob@demo.example';
const carol = 'carol@demo.example';

let fixture: GoogleIngestFixture;

const gmailScope = 'https://www.googleapis.com/auth/gmail.addons.current.message.metadata';

const request = (code: string, correlationId = 'corr-connect-1', userId?: string) => ({
  tenantId,
  code,
  redirectUri,
  codeVerifier,
  correlationId,
  ...(userId ? { userId } : {}),
});

const accountStream = async (userId: string) => {
  const events = await fixture.store.readStream(`googleAccount-${userId}`);
  return Promise.all(events.map(async (event) => ({ recorded: event, ...(await decode(event)) })));
};
const decode = async (event: RecordedEvent) =>
  (await fixture.codec.decode(recordedEventToEnvelope(event))).event;

/** What the account's OAuth client holds (the clients keep it private; tests look anyway). */
const credentialsOf = (account: GoogleAccount) =>
  (account.calendar as unknown as { auth: { credentials: Record<string, string> } }).auth.credentials;

interface RawAccountRow {
  refresh_token_sealed: unknown;
  access_token_sealed: unknown;
  email_sealed: unknown;
  status: string;
  grant_id: string;
  tokens_updated_at: Date;
}
const rawRow = async (userId: string) =>
  (await fixture.pool.query<RawAccountRow>('SELECT * FROM google_accounts WHERE user_id = $1', [userId]))
    .rows[0];

beforeAll(async () => {
  fixture = await startGoogleIngestFixture('google_accounts', [
    { email: alice, name: 'Alice Example', siteUrl: 'https://acme.webex.com/' },
    { email: bob, name: 'Bob Example', siteUrl: 'https://evil.example/' },
    { email: carol, timeZone: 'America/New_York' },
  ]);
});

afterAll(async () => {
  await fixture?.close();
});

describe('connecting a Google account', () => {
  let aliceId: string;

  it('exchanges the code from the consent flow, records the profile and the directory site, stores tokens sealed, watches and syncs', async () => {
    aliceId = fixture.users[alice]!.sub;
    const code = await fixture.authorize(alice);
    const response = await fixture.connector.handle(request(code));
    // The fixture's consent grants no Gmail scope: connected, and the missing scope is named.
    expect(response).toEqual({ userId: aliceId, connected: true, missingScopes: [gmailScope] });
    expect(ExchangeGoogleAuthorizationCode.parseResponse(response)).toEqual(response);

    const stream = await accountStream(aliceId);
    expect(stream.map((event) => [event.type, event.data])).toEqual([
      [
        'GoogleAccountConnected',
        {
          userId: aliceId,
          email: alice,
          displayName: 'Alice Example',
          locale: 'en',
          timeZone: 'Europe/Berlin',
          hostedDomain: tenantId,
          scopes: [...scopes].sort(),
          missingScopes: [gmailScope],
        },
      ],
      ['DirectoryWebexSiteChanged', { userId: aliceId, siteUrl: 'acme.webex.com' }],
    ]);
    expect(stream[0]!.correlationId).toBe('corr-connect-1');
    // The email and name are sealed in the store itself.
    expect(isSealedValue(stream[0]!.recorded.data.email)).toBe(true);
    expect(JSON.stringify(stream.map((event) => event.recorded.data))).not.toContain(alice);

    // The watch on the primary calendar (its id is the email) and the first sync.
    const watch = await fixture.store.readStream(`calendarWatch-${aliceId}`);
    expect(watch.map((event) => event.type)).toEqual(['CalendarWatchStarted', 'CalendarSyncReset']);
    expect(await fixture.channels.liveChannels(aliceId, alice)).toHaveLength(1);
    const synced = await fixture.pool.query('SELECT sync_token FROM calendar_sync_state WHERE user_id = $1', [
      aliceId,
    ]);
    expect(synced.rowCount).toBe(1);
  });

  it('stores every token and the email sealed: the raw table holds no plaintext token or email', async () => {
    const row = await rawRow(aliceId);
    expect(row).toBeDefined();
    expect(row!.status).toBe('connected');
    for (const column of ['refresh_token_sealed', 'access_token_sealed', 'email_sealed'] as const) {
      expect(isSealedValue(row![column])).toBe(true);
      expect((row![column] as { subject: string }).subject).toBe(`user:${aliceId}`);
    }
    // The emulator's tokens: take them from the account's own OAuth client and look for them in the table.
    const account = await fixture.tokens.accountFor(aliceId);
    await account!.calendar.timeZone();
    const { rows } = await fixture.pool.query('SELECT to_jsonb(a)::text AS dump FROM google_accounts a');
    const dump = rows.map((entry: { dump: string }) => entry.dump).join('\n');
    const auth = { credentials: credentialsOf(account!) };
    expect(auth.credentials.refresh_token).toEqual(expect.any(String));
    expect(dump).not.toContain(auth.credentials.refresh_token);
    expect(dump).not.toContain(auth.credentials.access_token);
    expect(dump).not.toContain(alice);
    // Nor any log line.
    expect(fixture.logLines.join('\n')).not.toContain(alice);
    expect(fixture.logLines.join('\n')).not.toContain(auth.credentials.refresh_token);
  });

  it('a reconnect replaces the tokens and appends nothing when nothing changed; the watch is kept', async () => {
    const before = await rawRow(aliceId);
    const eventsBefore = (await fixture.store.readAll()).length;
    const code = await fixture.authorize(alice);
    const report = await fixture.connector.connect(
      ExchangeGoogleAuthorizationCode.parseRequest(request(code, 'corr-connect-2', aliceId)),
    );
    expect(report).toMatchObject({ userId: aliceId, appended: [], site: 'resolved', watch: 'kept' });
    const after = await rawRow(aliceId);
    expect(after!.grant_id).not.toBe(before!.grant_id);
    expect(after!.refresh_token_sealed).not.toEqual(before!.refresh_token_sealed);
    await fixture.channels.idle();
    expect((await fixture.store.readAll()).length).toBe(eventsBefore);
    expect(await fixture.channels.liveChannels(aliceId, alice)).toHaveLength(1);
  });

  it('a changed time zone is recorded once: GoogleAccountConnected again, the unchanged site not', async () => {
    // Two concurrent reconnects with the same change: expected revisions keep it at one event.
    fixture.emulator.seed({ users: [{ email: alice, name: 'Alice Example', timeZone: 'Europe/Lisbon' }] });
    const [first, second] = await Promise.all([fixture.authorize(alice), fixture.authorize(alice)]);
    const reports = await Promise.all([
      fixture.connector.connect(ExchangeGoogleAuthorizationCode.parseRequest(request(first!, 'corr-3'))),
      fixture.connector.connect(ExchangeGoogleAuthorizationCode.parseRequest(request(second!, 'corr-4'))),
    ]);
    expect(reports.flatMap((report) => report.appended)).toEqual(['GoogleAccountConnected']);
    const stream = await accountStream(aliceId);
    expect(stream.map((event) => event.type)).toEqual([
      'GoogleAccountConnected',
      'DirectoryWebexSiteChanged',
      'GoogleAccountConnected',
    ]);
    expect((stream[2]!.data as { timeZone: string }).timeZone).toBe('Europe/Lisbon');
  });

  it('ignores a directory site URL that fails the allow-list, with a warning that names no person', async () => {
    const bobId = fixture.users[bob]!.sub;
    const report = await fixture.connector.connect(
      ExchangeGoogleAuthorizationCode.parseRequest(request(await fixture.authorize(bob), 'corr-bob')),
    );
    expect(report).toMatchObject({ userId: bobId, appended: ['GoogleAccountConnected'], site: 'ignored' });
    expect((await accountStream(bobId)).map((event) => event.type)).toEqual(['GoogleAccountConnected']);
    const warning = fixture.warnings.find((entry) => entry.details.userId === bobId);
    expect(warning?.message).toMatch(/allow-list/);
    expect(JSON.stringify(warning)).not.toContain('evil.example');
    expect(JSON.stringify(warning)).not.toContain(bob);
    // The bad host was never contacted: the only requests went to the emulator.
    const { requests } = (await fixture.control('/requests')) as { requests: Array<{ path: string }> };
    expect(requests.some((entry) => entry.path.includes('evil'))).toBe(false);
  });

  it('a user without a directory site gets no DirectoryWebexSiteChanged and the calendar time zone', async () => {
    const carolId = fixture.users[carol]!.sub;
    await fixture.connector.handle(request(await fixture.authorize(carol), 'corr-carol'));
    const stream = await accountStream(carolId);
    expect(stream.map((event) => [event.type, (event.data as { timeZone?: string }).timeZone])).toEqual([
      ['GoogleAccountConnected', 'America/New_York'],
    ]);
  });

  it('refuses bad requests and codes with typed errors, storing and appending nothing', async () => {
    const eventsBefore = (await fixture.store.readAll()).length;
    const accountsBefore = (await fixture.pool.query('SELECT grant_id FROM google_accounts ORDER BY 1')).rows;
    await expect(fixture.connector.handle({ ...request('x'), tenantId: 'Not A Domain' })).rejects.toThrow(
      /tenantId/,
    );
    const code = await fixture.authorize(alice);
    await expect(
      fixture.connector.handle({ ...request(code), redirectUri: 'https://elsewhere.example/cb' }),
    ).rejects.toMatchObject({
      name: 'GoogleConnectionRejectedError',
      reason: 'redirect-uri-mismatch',
    });
    // The code is still unused: a wrong tenant is refused by the ID token's hosted domain.
    const wrongTenant = await fixture.connector
      .handle({ ...request(code), tenantId: 'other.example' })
      .catch((error: unknown) => error as Error);
    expect(wrongTenant).toMatchObject({ reason: 'id-token-rejected' });
    expect(
      JSON.stringify({ message: (wrongTenant as Error).message, cause: (wrongTenant as Error).cause }),
    ).not.toContain(alice);
    // Codes are single use; the refusals a user can act on are answers, not failures.
    await expect(fixture.connector.handle(request(code))).resolves.toEqual({
      connected: false,
      refused: 'authorization-code-rejected',
    });
    // PKCE: the code was issued for the fixture's challenge; another verifier does not redeem it.
    await expect(
      fixture.connector.handle({ ...request(await fixture.authorize(alice)), codeVerifier: 'v'.repeat(43) }),
    ).resolves.toEqual({ connected: false, refused: 'authorization-code-rejected' });
    const another = await fixture.authorize(alice);
    await expect(
      fixture.connector.handle(request(another, 'corr-x', fixture.users[bob]!.sub)),
    ).resolves.toEqual({ connected: false, refused: 'user-mismatch' });
    expect((await fixture.store.readAll()).length).toBe(eventsBefore);
    expect((await fixture.pool.query('SELECT grant_id FROM google_accounts ORDER BY 1')).rows).toEqual(
      accountsBefore,
    );
  });
});

describe('tokens over time', () => {
  let carolId: string;

  beforeAll(() => {
    carolId = fixture.users[carol]!.sub;
  });

  it('refreshes an expired access token and persists what Google issued', async () => {
    const before = await rawRow(carolId);
    fixture.emulator.clock.advance(3_700_000);
    const account = await fixture.tokens.accountFor(carolId);
    expect(await account!.calendar.timeZone()).toBe('America/New_York');
    await eventually(async () => {
      const after = await rawRow(carolId);
      expect(after!.access_token_sealed).not.toEqual(before!.access_token_sealed);
    });
    const after = await rawRow(carolId);
    // Google does not rotate refresh tokens on a refresh: the stored one stays.
    expect(after!.refresh_token_sealed).toEqual(before!.refresh_token_sealed);
    expect(fixture.tokenErrors).toEqual([]);
    // The next client uses the persisted access token without refreshing.
    const { requests: tokenRequestsBefore } = (await fixture.control('/requests?pathPrefix=/token')) as {
      requests: unknown[];
    };
    await (await fixture.tokens.accountFor(carolId))!.calendar.timeZone();
    const { requests: tokenRequestsAfter } = (await fixture.control('/requests?pathPrefix=/token')) as {
      requests: unknown[];
    };
    expect(tokenRequestsAfter.length).toBe(tokenRequestsBefore.length);
  });

  it('persists a refresh token that comes back from a refresh (rotation), for the grant it belongs to only', async () => {
    const row = await rawRow(carolId);
    await fixture.tokens.recordRefreshedTokens(carolId, row!.grant_id, {
      accessToken: 'rotated-access-token',
      refreshToken: 'rotated-refresh-token',
      expiresAt: Date.now() + 3_600_000,
      scopes,
    });
    const rotated = await rawRow(carolId);
    expect(rotated!.refresh_token_sealed).not.toEqual(row!.refresh_token_sealed);
    expect(JSON.stringify(rotated)).not.toContain('rotated-refresh-token');
    expect(credentialsOf((await fixture.tokens.accountFor(carolId))!).refresh_token).toBe(
      'rotated-refresh-token',
    );
    // A late refresh of an older grant changes nothing.
    await fixture.tokens.recordRefreshedTokens(carolId, '00000000-0000-4000-8000-000000000000', {
      accessToken: 'stale',
      refreshToken: 'stale-refresh-token',
      expiresAt: Date.now(),
      scopes,
    });
    expect(await rawRow(carolId)).toEqual(rotated);
  });

  it('a dead refresh token (invalid_grant) marks the account for re-authorization; a new consent restores it', async () => {
    const bobId = fixture.users[bob]!.sub;
    await fixture.control('/google/refresh-tokens/revoke', { email: bob });
    fixture.emulator.clock.advance(3_700_000);
    const account = await fixture.tokens.accountFor(bobId);
    const error = await account!.calendar.timeZone().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReauthorizationRequired);
    expect((error as Error).message).not.toContain(bob);
    expect(await fixture.tokens.statusOf(bobId)).toBe('reauthorization-required');
    expect(await fixture.tokens.accountFor(bobId)).toBeUndefined();
    expect(await fixture.tokens.lookup(bobId)).toEqual({ state: 'reauthorization-required' });
    expect((await rawRow(bobId))!.access_token_sealed).toBeNull();

    await fixture.connector.handle(request(await fixture.authorize(bob), 'corr-bob-again'));
    expect(await fixture.tokens.statusOf(bobId)).toBe('connected');
    expect(await (await fixture.tokens.accountFor(bobId))!.calendar.timeZone()).toBe('Europe/Berlin');
  });

  it('a forgotten user has no account: the sealed tokens are unreadable', async () => {
    const carolId2 = fixture.users[carol]!.sub;
    await fixture.keys.forget(`user:${carolId2}`);
    expect(await fixture.tokens.lookup(carolId2)).toEqual({ state: 'forgotten' });
  });
});
