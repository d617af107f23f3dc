import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ContractViolationError, MeetingRequested, newUuidV7 } from '@scheduler/contracts';
import {
  KeyEncryptionKeyRing,
  PersonalDataCodec,
  PostgresDataKeyStore,
  SecretBox,
  SubjectKeys,
  isSealedValue,
  type SealedValue,
} from '@scheduler/crypto-shredding';
import { createWebexEmulator, developmentClient, type WebexEmulator } from '@scheduler/emulators';
import { PostgresEventStore, StreamNotFoundError, recordedEventToEnvelope } from '@scheduler/event-store';
import { sealedEnvelopeCodec } from '@scheduler/runtime';
import { isolatedSchema, type IsolatedSchema } from '@scheduler/testing';
import {
  ReauthorizationRequired,
  WebexOAuth,
  createWebexCircuitBreaker,
  type WebexOAuthOptions,
} from '@scheduler/webex';
import pg from 'pg';
import { MeetingCommands } from '../meetings/meeting-commands.js';
import { meetingStreamId } from '../meetings/meeting.decider.js';
import { MeetingLifecycle, type WebexClientFor } from '../meetings/meeting-lifecycle.js';
import { MeetingStreams } from '../meetings/meeting-stream.js';
import { MeetingSyncRepository } from '../meetings/meeting-sync.repository.js';
import { ConnectWebexAccount } from './connect-webex-account.js';
import {
  RedirectUriMismatchError,
  WebexAccountNotConnectedError,
  WebexSiteNotAllowedError,
} from './errors.js';
import { webexAccountMigrations } from './migrations.js';
import { webexAccountStreamId } from './webex-account.decider.js';
import { WebexAccountStream } from './webex-account-stream.js';
import { WebexAccountsRepository } from './webex-accounts.repository.js';
import { WebexTokenStore } from './webex-token-store.js';

const tenantId = 'example.com';
const redirectUri = 'https://scheduler.example.com/oauth/webex/callback';
const day = 86_400_000;

let emulator: WebexEmulator;
let schema: IsolatedSchema;
let pool: pg.Pool;
let eventStore: PostgresEventStore;
let secretBox: SecretBox;
let codec: PersonalDataCodec;
let oauthOptions: WebexOAuthOptions;
let repository: WebexAccountsRepository;
let tokens: WebexTokenStore;
let accounts: ConnectWebexAccount;
let accountStream: WebexAccountStream;

function newTokenStore(accountStream: WebexAccountStream) {
  return new WebexTokenStore({
    accounts: repository,
    secretBox,
    oauth: oauthOptions,
    client: {
      baseUrl: `${emulator.url}/v1`,
      timeoutMs: 5_000,
      retry: { baseDelayMs: 20, maxDelayMs: 100, defaultRetryAfterMs: 250 },
      circuitBreaker: createWebexCircuitBreaker({ failureThreshold: 1_000 }),
    },
    accountStream,
    now: () => emulator.clock.nowMs(),
    onRefresh: (outcome) => refreshOutcomes.push(outcome),
  });
}
/** How each refresh at Webex ended, as the token store reports it to its metric. */
const refreshOutcomes: string[] = [];

beforeAll(async () => {
  emulator = createWebexEmulator({ sweepIntervalMs: 0 });
  await emulator.listen();
  schema = await isolatedSchema('webex_accounts');
  pool = new pg.Pool({ connectionString: schema.connectionString, max: 8 });
  eventStore = await PostgresEventStore.connect({ connectionString: schema.connectionString, poolSize: 4 });
  const dataKeys = new PostgresDataKeyStore({ pool });
  await dataKeys.ensureSchema();
  const keyEncryptionKeys = KeyEncryptionKeyRing.fromConfig({
    primary: { id: 'kek-1', key: randomBytes(32).toString('base64') },
  });
  secretBox = new SecretBox(new SubjectKeys({ store: dataKeys, keyEncryptionKeys }));
  codec = new PersonalDataCodec({ secretBox });
  oauthOptions = {
    baseUrl: `${emulator.url}/v1`,
    clientId: developmentClient.clientId,
    clientSecret: developmentClient.clientSecret,
    redirectUri,
    timeoutMs: 5_000,
    now: () => emulator.clock.nowMs(),
  };
  accountStream = new WebexAccountStream(eventStore, sealedEnvelopeCodec(codec), () => emulator.clock.now());
  repository = new WebexAccountsRepository(pool);
  await repository.ensureSchema();
  tokens = newTokenStore(accountStream);
  accounts = new ConnectWebexAccount({
    tokens,
    accounts: repository,
    accountStream,
    oauth: oauthOptions,
    now: () => emulator.clock.nowMs(),
  });
});

afterAll(async () => {
  await eventStore?.close();
  await pool?.end();
  await schema?.drop();
  await emulator?.close();
});

// Helpers

const newUserId = () => `1${randomBytes(8).readBigUInt64BE().toString().padStart(20, '0')}`;

/** A Webex user of its own per test, so tests never share tokens or sites. */
function seedWebexUser(sites: { siteUrl: string; default?: boolean }[] = [{ siteUrl: 'acme.webex.com' }]) {
  const email = `user${randomBytes(5).toString('hex')}@example.com`;
  const webexUser = emulator.seedUser({
    email,
    displayName: 'Ada Lovelace',
    timezone: 'Europe/Berlin',
    sites,
  });
  return { email, webexUser, userId: newUserId() };
}

// PKCE as the gateway runs it: the consent carries the S256 challenge, the exchange the verifier.
const codeVerifier = randomBytes(48).toString('base64url');
const codeChallenge = createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');

/** What the user's browser does: /authorize redirects back to us with a code. */
async function authorizationCode(email: string): Promise<string> {
  const oauth = new WebexOAuth(oauthOptions);
  const response = await fetch(
    oauth.authorizationUrl({ state: 'state-1', loginHint: email, codeChallenge }),
    {
      redirect: 'manual',
    },
  );
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
  return location.searchParams.get('code')!;
}

/** Connects the Webex account `email` for the Google user `userId`, whose Google email is `googleEmail`. */
async function connect(
  email: string,
  userId: string,
  options: { googleEmail?: string; codeVerifier?: string } = {},
) {
  const code = await authorizationCode(email);
  return accounts.handle({
    tenantId,
    userId,
    googleEmail: options.googleEmail ?? email,
    code,
    redirectUri,
    codeVerifier: options.codeVerifier ?? codeVerifier,
    correlationId: `connect-${userId}`,
  });
}

async function userEvents(userId: string) {
  try {
    return await eventStore.readStream(webexAccountStreamId(userId));
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
}

async function rawAccountRow(userId: string) {
  const { rows } = await pool.query<{ row: string; sealed_tokens: SealedValue }>(
    `SELECT row_to_json(a)::text AS row, sealed_tokens FROM webex_accounts a WHERE user_id = $1`,
    [userId],
  );
  return rows[0];
}

async function storedTokens(userId: string) {
  const raw = await rawAccountRow(userId);
  const opened = await secretBox.open(raw!.sealed_tokens, 'webex-oauth-tokens');
  if (opened.outcome !== 'opened') throw new Error(`stored tokens ${opened.outcome}`);
  return JSON.parse(opened.plaintext.toString('utf8')) as { accessToken: string; refreshToken: string };
}

function emulatorTokensOf(webexUserId: string) {
  return [...emulator.state.tokens.values()].filter((token) => token.userId === webexUserId);
}

const defaultTemplateOf = (siteUrl: string) =>
  emulator.state.templates.find(
    (template) => template.siteUrl === siteUrl && template.templateType === 'meeting' && template.isDefault,
  )!.id;

const refreshRequests = () =>
  emulator.requests
    .list({ method: 'POST', pathPrefix: '/v1/access_token' })
    .filter((request) => (request.body as { grant_type?: string }).grant_type === 'refresh_token');

async function expectRejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

// Specifications

describe('connecting a Webex account', () => {
  it('exchanges the code, stores the tokens sealed, caches site and template, and states the facts', async () => {
    const { email, webexUser, userId } = seedWebexUser();

    await expect(connect(email, userId)).resolves.toEqual({ userId, connected: true });

    // Tokens: sealed under the user's subject; neither token appears anywhere in the row.
    const issued = emulatorTokensOf(webexUser.id);
    expect(issued.map((token) => token.kind).sort()).toEqual(['access', 'refresh']);
    const raw = await rawAccountRow(userId);
    expect(isSealedValue(raw!.sealed_tokens)).toBe(true);
    expect(raw!.sealed_tokens.subject).toBe(`user:${userId}`);
    for (const token of issued) expect(raw!.row).not.toContain(token.token);
    expect(raw!.row).not.toContain(email);
    const stored = await storedTokens(userId);
    expect(new Set([stored.accessToken, stored.refreshToken])).toEqual(
      new Set(issued.map((token) => token.token)),
    );

    // people/me, site and template cached.
    const account = await repository.account(userId);
    expect(account).toMatchObject({
      tenantId,
      webexPersonId: webexUser.id,
      status: 'connected',
      site: {
        siteUrl: 'acme.webex.com',
        source: 'webex-account',
        meetingTemplateId: defaultTemplateOf('acme.webex.com'),
      },
    });
    expect(account!.accessTokenExpiresAt.getTime()).toBeGreaterThan(emulator.clock.nowMs() + 13 * day);

    // Events: the email is sealed in the store and opens again through the codec.
    const recorded = await userEvents(userId);
    expect(recorded.map((event) => event.type)).toEqual(['WebexAccountConnected', 'WebexSiteResolved']);
    expect(isSealedValue(recorded[0]!.data.email)).toBe(true);
    const decoded = await Promise.all(recorded.map((event) => codec.decode(recordedEventToEnvelope(event))));
    expect(decoded.map(({ event }) => event.data)).toEqual([
      {
        userId,
        webexPersonId: webexUser.id,
        email,
        displayName: 'Ada Lovelace',
        // What the token answer names as granted (sorted).
        scopes: [
          'meeting:preferences_read',
          'meeting:schedules_read',
          'meeting:schedules_write',
          'spark:people_read',
        ],
      },
      {
        userId,
        siteUrl: 'acme.webex.com',
        source: 'webex-account',
        meetingTemplateId: defaultTemplateOf('acme.webex.com'),
      },
    ]);
    expect(decoded.map(({ event }) => event.correlationId)).toEqual([
      `connect-${userId}`,
      `connect-${userId}`,
    ]);

    // The stored tokens work.
    const webex = await tokens.webexClientFor(userId);
    await expect(webex.getMe()).resolves.toMatchObject({ id: webexUser.id, emails: [email] });
  });

  it('is idempotent on reconnect: new tokens are stored, unchanged facts are not appended again', async () => {
    const { email, userId } = seedWebexUser();
    await connect(email, userId);
    const first = await storedTokens(userId);

    await expect(connect(email, userId)).resolves.toEqual({ userId, connected: true });

    expect((await userEvents(userId)).map((event) => event.type)).toEqual([
      'WebexAccountConnected',
      'WebexSiteResolved',
    ]);
    const second = await storedTokens(userId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await expect((await tokens.webexClientFor(userId)).getMe()).resolves.toMatchObject({ emails: [email] });
  });

  it('refuses a redirect URI other than the configured one before calling Webex', async () => {
    const { userId } = seedWebexUser();
    emulator.requests.clear();
    const error = await expectRejection(
      accounts.handle({
        tenantId,
        userId,
        googleEmail: 'someone@example.com',
        code: 'some-code',
        redirectUri: 'https://attacker.example.net/callback',
        codeVerifier,
        correlationId: 'c-1',
      }),
    );
    expect(error).toBeInstanceOf(RedirectUriMismatchError);
    expect(emulator.requests.list()).toHaveLength(0);
  });

  it('refuses a malformed command with a ContractViolationError and changes nothing', async () => {
    const error = await expectRejection(
      accounts.handle({
        tenantId,
        userId: 'not a user id!',
        googleEmail: 'someone@example.com',
        code: 'x',
        redirectUri,
        codeVerifier,
        correlationId: 'c-2',
      }),
    );
    expect(error).toBeInstanceOf(ContractViolationError);
  });

  it('a code used twice, or redeemed with a wrong PKCE verifier, is refused and leaves the stored account alone', async () => {
    const { email, userId } = seedWebexUser();
    const code = await authorizationCode(email);
    const exchange = {
      tenantId,
      userId,
      googleEmail: email,
      code,
      redirectUri,
      codeVerifier,
      correlationId: 'c-3',
    };
    await accounts.handle(exchange);
    const before = await storedTokens(userId);
    await expect(accounts.handle(exchange)).resolves.toEqual({
      connected: false,
      refused: 'authorization-code-rejected',
    });
    await expect(
      connect(email, userId, { codeVerifier: randomBytes(48).toString('base64url') }),
    ).resolves.toEqual({ connected: false, refused: 'authorization-code-rejected' });
    expect(await storedTokens(userId)).toEqual(before);
  });
});

describe('who may connect which Webex account', () => {
  const typesOf = async (userId: string) =>
    (await eventStore.readStream(webexAccountStreamId(userId)).catch(() => [])).map((event) => event.type);

  it('refuses a Webex account whose email is not the Google email (any case matches), storing nothing', async () => {
    const { email, userId } = seedWebexUser();
    await expect(connect(email, userId, { googleEmail: 'someone.else@example.com' })).resolves.toEqual({
      connected: false,
      refused: 'email-mismatch',
    });
    expect(await repository.account(userId)).toBeUndefined();
    expect(await typesOf(userId)).toEqual([]);
    await expect(connect(email, userId, { googleEmail: email.toUpperCase() })).resolves.toEqual({
      userId,
      connected: true,
    });
  });

  it('a tenant policy can allow a different email (the seam for a tenant setting)', async () => {
    const lenient = new ConnectWebexAccount({
      tokens,
      accounts: repository,
      accountStream,
      oauth: oauthOptions,
      emailPolicy: { mismatchAllowed: async (tenant) => tenant === tenantId },
      now: () => emulator.clock.nowMs(),
    });
    const { email, userId } = seedWebexUser();
    const code = await authorizationCode(email);
    await expect(
      lenient.handle({
        tenantId,
        userId,
        googleEmail: 'someone.else@example.com',
        code,
        redirectUri,
        codeVerifier,
        correlationId: 'c-lenient',
      }),
    ).resolves.toEqual({ userId, connected: true });
  });

  it('one Webex account per user: a second, different one is refused, the same one reconnects', async () => {
    const first = seedWebexUser();
    const second = seedWebexUser();
    await expect(connect(first.email, first.userId)).resolves.toEqual({
      userId: first.userId,
      connected: true,
    });
    await expect(connect(second.email, first.userId, { googleEmail: first.email })).resolves.toEqual({
      connected: false,
      refused: 'another-webex-account',
    });
    expect((await repository.account(first.userId))?.webexPersonId).toBe(first.webexUser.id);
    await expect(connect(first.email, first.userId)).resolves.toEqual({
      userId: first.userId,
      connected: true,
    });
  });

  it('one user per Webex account: another user connecting it is refused', async () => {
    const owner = seedWebexUser();
    await expect(connect(owner.email, owner.userId)).resolves.toEqual({
      userId: owner.userId,
      connected: true,
    });
    const intruder = newUserId();
    await expect(connect(owner.email, intruder)).resolves.toEqual({
      connected: false,
      refused: 'webex-account-in-use',
    });
    expect(await repository.account(intruder)).toBeUndefined();
    expect(await typesOf(intruder)).toEqual([]);
  });

  it('scopes the user declined are named: connected with missingScopes, recorded on the stream', async () => {
    const { email, userId } = seedWebexUser();
    emulator.state.withheldScopes.set(
      [...emulator.state.users.values()].find((user) => user.email === email)!.id,
      ['meeting:schedules_write'],
    );
    await expect(connect(email, userId)).resolves.toEqual({
      userId,
      connected: true,
      missingScopes: ['meeting:schedules_write'],
    });
    const connected = (await eventStore.readStream(webexAccountStreamId(userId))).find(
      (event) => event.type === 'WebexAccountConnected',
    );
    expect(connected?.data).toMatchObject({
      scopes: ['meeting:preferences_read', 'meeting:schedules_read', 'spark:people_read'],
      missingScopes: ['meeting:schedules_write'],
    });
  });
});

describe('the Webex site', () => {
  const sites = [{ siteUrl: 'acme.webex.com', default: true }, { siteUrl: 'hq.webex.com' }];

  it('a directory site known before the connect wins over the account default', async () => {
    const { email, userId } = seedWebexUser(sites);
    await expect(accounts.recordDirectorySite(userId, 'https://HQ.webex.com/')).resolves.toBe('stored');
    emulator.requests.clear();

    await connect(email, userId);

    expect((await repository.account(userId))!.site).toMatchObject({
      siteUrl: 'hq.webex.com',
      source: 'directory',
      meetingTemplateId: defaultTemplateOf('hq.webex.com'),
    });
    expect(emulator.requests.list({ pathPrefix: '/v1/meetingPreferences/sites' })).toHaveLength(0);
    const resolved = (await userEvents(userId)).filter((event) => event.type === 'WebexSiteResolved');
    expect(resolved.map((event) => event.data)).toEqual([
      {
        userId,
        siteUrl: 'hq.webex.com',
        source: 'directory',
        meetingTemplateId: defaultTemplateOf('hq.webex.com'),
      },
    ]);
  });

  it('a directory site arriving after the connect overrides the default; a later default lookup never does', async () => {
    const { email, userId } = seedWebexUser(sites);
    await connect(email, userId);
    expect((await repository.account(userId))!.site).toMatchObject({
      siteUrl: 'acme.webex.com',
      source: 'webex-account',
    });

    await expect(accounts.recordDirectorySite(userId, 'hq.webex.com')).resolves.toBe('resolved');
    expect((await repository.account(userId))!.site).toMatchObject({
      siteUrl: 'hq.webex.com',
      source: 'directory',
      meetingTemplateId: defaultTemplateOf('hq.webex.com'),
    });

    // Our own WebexSiteResolved comes back through the bus: nothing happens, Webex is not asked.
    emulator.requests.clear();
    await expect(accounts.recordDirectorySite(userId, 'hq.webex.com')).resolves.toBe('unchanged');
    expect(emulator.requests.list()).toHaveLength(0);

    // Past the cache TTL the site is read again: still the directory's, and no new fact.
    emulator.clock.advance(25 * 60 * 60 * 1000);
    const site = await accounts.siteFor(userId);
    expect(site).toMatchObject({ siteUrl: 'hq.webex.com', source: 'directory' });
    expect(site!.cachedAt.getTime()).toBeGreaterThan(emulator.clock.nowMs() - 60_000);
    expect(emulator.requests.list({ pathPrefix: '/v1/meetings/templates' })).toHaveLength(1);

    // A reconnect resolves from the directory too.
    await connect(email, userId);
    const resolved = (await userEvents(userId)).filter((event) => event.type === 'WebexSiteResolved');
    expect(resolved.map((event) => [event.data.siteUrl, event.data.source])).toEqual([
      ['acme.webex.com', 'webex-account'],
      ['hq.webex.com', 'directory'],
    ]);
  });

  it('a cached site within the TTL is answered without calling Webex', async () => {
    const { email, userId } = seedWebexUser();
    await connect(email, userId);
    emulator.requests.clear();
    await expect(accounts.siteFor(userId)).resolves.toMatchObject({ siteUrl: 'acme.webex.com' });
    expect(emulator.requests.list()).toHaveLength(0);
    await expect(accounts.siteFor(newUserId())).resolves.toBeUndefined();
  });

  it('a directory site outside the allow-list is refused with a typed error and not stored', async () => {
    const { email, userId } = seedWebexUser();
    await connect(email, userId);
    emulator.requests.clear();
    for (const siteUrl of ['evil.example.com', 'http://169.254.169.254/latest', 'acme.webex.com.evil.net']) {
      const error = await expectRejection(accounts.recordDirectorySite(userId, siteUrl));
      expect(error).toBeInstanceOf(WebexSiteNotAllowedError);
      expect(error).toMatchObject({ userId, source: 'directory' });
    }
    expect(
      await expectRejection(accounts.recordDirectorySite('not a user!', 'acme.webex.com')),
    ).toBeInstanceOf(ContractViolationError);
    expect(await repository.directorySite(userId)).toBeUndefined();
    expect((await repository.account(userId))!.site).toMatchObject({ siteUrl: 'acme.webex.com' });
    expect(emulator.requests.list()).toHaveLength(0);
  });

  it('an account site outside the allow-list fails the connect, stores nothing and is never called', async () => {
    const { email, userId } = seedWebexUser([{ siteUrl: 'meet.evil.example.net' }]);
    emulator.requests.clear();
    const error = await expectRejection(connect(email, userId));
    expect(error).toBeInstanceOf(WebexSiteNotAllowedError);
    expect(error).toMatchObject({ userId, source: 'webex-account' });
    expect(await repository.account(userId)).toBeUndefined();
    expect(await userEvents(userId)).toEqual([]);
    expect(emulator.requests.list({ pathPrefix: '/v1/meetings/templates' })).toHaveLength(0);
    expect(JSON.stringify(emulator.requests.list())).not.toContain('evil.example.net"');
  });
});

describe('tokens over time', () => {
  it('an expired access token is refreshed once and the rotated refresh token is persisted', async () => {
    const { email, userId } = seedWebexUser();
    await connect(email, userId);
    const before = await storedTokens(userId);
    emulator.clock.advance(15 * day);
    emulator.requests.clear();
    refreshOutcomes.length = 0;

    const webex = await tokens.webexClientFor(userId);
    await expect(webex.getMe()).resolves.toMatchObject({ emails: [email] });
    await expect(webex.listSites()).resolves.toHaveLength(1);

    expect(refreshRequests()).toHaveLength(1);
    expect(refreshOutcomes).toEqual(['refreshed']);
    const after = await storedTokens(userId);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    // The emulator rotates: the old refresh token is dead, the stored one is the live one.
    const issued = new Map(
      emulatorTokensOf((await repository.account(userId))!.webexPersonId).map((t) => [t.token, t]),
    );
    expect(issued.get(before.refreshToken)!.revoked).toBe(true);
    expect(issued.get(after.refreshToken)!.revoked).toBe(false);
    expect((await repository.account(userId))!.accessTokenExpiresAt.getTime()).toBeGreaterThan(
      emulator.clock.nowMs() + 13 * day,
    );
  });

  it('concurrent refreshes of one user, in two processes, refresh once and keep the newest token', async () => {
    const { email, userId } = seedWebexUser();
    await connect(email, userId);
    emulator.clock.advance(15 * day);
    emulator.requests.clear();
    // A second store with its own in-process state stands for another replica.
    const otherProcess = newTokenStore(
      new WebexAccountStream(eventStore, sealedEnvelopeCodec(codec), () => emulator.clock.now()),
    );

    const clients = await Promise.all([
      tokens.webexClientFor(userId),
      tokens.webexClientFor(userId),
      otherProcess.webexClientFor(userId),
      otherProcess.webexClientFor(userId),
    ]);
    const answers = await Promise.all(clients.map((client) => client.getMe()));

    expect(answers.map((person) => person.emails[0])).toEqual([email, email, email, email]);
    expect(refreshRequests()).toHaveLength(1);
    expect(refreshRequests()[0]!.status).toBe(200);
    const stored = await storedTokens(userId);
    await expect((await otherProcess.webexClientFor(userId)).getMe()).resolves.toBeDefined();
    const live = emulatorTokensOf((await repository.account(userId))!.webexPersonId).filter(
      (token) => token.kind === 'refresh' && !token.revoked,
    );
    expect(live.map((token) => token.token)).toEqual([stored.refreshToken]);
    expect((await userEvents(userId)).map((event) => event.type)).not.toContain('AccountDisconnected');
  });

  it('a revoked refresh token: ReauthorizationRequired, the account marked, AccountDisconnected once', async () => {
    const { email, userId } = seedWebexUser();
    await connect(email, userId);
    const revoke = await fetch(`${emulator.url}/control/webex/tokens/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    expect(revoke.status).toBe(200);
    refreshOutcomes.length = 0;

    const clients = await Promise.all([tokens.webexClientFor(userId), tokens.webexClientFor(userId)]);
    const errors = await Promise.all(clients.map((client) => expectRejection(client.getMe())));
    for (const error of errors) expect(error).toBeInstanceOf(ReauthorizationRequired);
    // One refresh attempt, joined by the second caller, refused by Webex.
    expect(refreshOutcomes).toEqual(['rejected']);

    expect((await repository.account(userId))!.status).toBe('reauthorization-required');
    const next = await expectRejection(tokens.webexClientFor(userId));
    expect(next).toBeInstanceOf(WebexAccountNotConnectedError);
    expect(next).toBeInstanceOf(ReauthorizationRequired);
    expect(next).toMatchObject({ userId, state: 'reauthorization-required' });
    const disconnects = (await userEvents(userId)).filter((event) => event.type === 'AccountDisconnected');
    expect(disconnects.map((event) => event.data)).toEqual([
      { userId, provider: 'webex', reason: 'reauthorization-required' },
    ]);

    // Reconnecting restores the account and states the connection again (the site is unchanged).
    await connect(email, userId);
    expect((await repository.account(userId))!.status).toBe('connected');
    expect((await userEvents(userId)).map((event) => event.type)).toEqual([
      'WebexAccountConnected',
      'WebexSiteResolved',
      'AccountDisconnected',
      'WebexAccountConnected',
    ]);
    await expect((await tokens.webexClientFor(userId)).getMe()).resolves.toMatchObject({ emails: [email] });
  });

  it('webexClientFor an unknown user is a typed error', async () => {
    const userId = newUserId();
    const error = await expectRejection(tokens.webexClientFor(userId));
    expect(error).toBeInstanceOf(WebexAccountNotConnectedError);
    expect(error).toMatchObject({ userId, state: 'unknown' });
  });

  it('a sealed token moved onto another user does not open', async () => {
    const first = seedWebexUser();
    const second = seedWebexUser();
    await connect(first.email, first.userId);
    await connect(second.email, second.userId);
    await pool.query(
      `UPDATE webex_accounts SET sealed_tokens = (SELECT sealed_tokens FROM webex_accounts WHERE user_id = $1)
       WHERE user_id = $2`,
      [first.userId, second.userId],
    );
    const error = await expectRejection(tokens.webexClientFor(second.userId));
    expect((error as Error).name).toBe('WebexTokensTamperedError');
  });
});

describe('the meeting lifecycle on stored accounts', () => {
  const meetings = () => new MeetingStreams(eventStore, sealedEnvelopeCodec(codec));
  let sync: MeetingSyncRepository;
  beforeAll(async () => {
    sync = new MeetingSyncRepository(pool);
    await sync.ensureSchema();
  });
  const lifecycleWith = (webexClientFor: WebexClientFor) =>
    new MeetingLifecycle({ meetings: meetings(), sync, webexClientFor, clock: emulator.clock });

  /** RequestMeeting, as the gateway sends it; returns the MeetingRequested the transport delivers. */
  async function requestMeeting(userId: string) {
    const meetingId = newUuidV7();
    const start = Math.ceil((emulator.clock.nowMs() + 3 * day) / 3_600_000) * 3_600_000;
    await new MeetingCommands(meetings(), emulator.clock).requestMeeting({
      tenantId,
      trace: { correlationId: `request-${meetingId}`, causationId: null, traceparent: null },
      data: {
        meetingId,
        userId,
        source: 'calendar',
        calendarId: 'primary',
        eventId: `ev${meetingId.replaceAll('-', '').slice(-12)}`,
        title: 'Design review',
        start: new Date(start).toISOString(),
        end: new Date(start + 30 * 60_000).toISOString(),
        timeZone: 'Europe/Berlin',
        invitees: [],
      },
    });
    const [stored] = await eventStore.readStream(meetingStreamId(meetingId));
    return MeetingRequested.parse((await codec.decode(recordedEventToEnvelope(stored!))).event);
  }

  it('creates meetings through webexClientFor, refreshing an expired token on the way', async () => {
    const { email, userId, webexUser } = seedWebexUser();
    await connect(email, userId);
    emulator.clock.advance(15 * day);
    emulator.requests.clear();
    const webexClientFor: WebexClientFor = (user) => tokens.webexClientFor(user);
    const lifecycle = lifecycleWith(webexClientFor);

    const outcome = await lifecycle.handle(await requestMeeting(userId));

    expect(outcome).toMatchObject({ step: 'create', appended: ['MeetingScheduled'] });
    expect(refreshRequests()).toHaveLength(1);
    expect(
      [...emulator.state.meetings.values()].filter((meeting) => meeting.hostUserId === webexUser.id),
    ).toHaveLength(1);
  });

  // It used to record MeetingSchedulingFailed{reauthorization-required}; the meeting now waits,
  // still without endless retries: its row is not due until the account is connected.
  it('a user without a Webex account gets MeetingReconnectRequired, not endless retries', async () => {
    const lifecycle = lifecycleWith((user) => tokens.webexClientFor(user));
    const request = await requestMeeting(newUserId());

    const outcome = await lifecycle.handle(request);

    expect(outcome).toMatchObject({ appended: ['MeetingReconnectRequired'], sync: 'waiting-for-reconnect' });
    const [, waiting] = await eventStore.readStream(request.streamId);
    expect(waiting!.data).toMatchObject({ account: 'webex' });
    expect(await sync.find(request.data.meetingId)).toMatchObject({ waitingFor: 'webex-reconnect' });
  });

  it('a revoked refresh token: the meeting waits, and reconnecting applies it', async () => {
    const { email, userId, webexUser } = seedWebexUser();
    await connect(email, userId);
    const revoke = await fetch(`${emulator.url}/control/webex/tokens/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    expect(revoke.status).toBe(200);
    // The access token runs out: the refresh meets the revoked refresh token.
    emulator.clock.advance(15 * day);
    const lifecycle = lifecycleWith((user) => tokens.webexClientFor(user));
    const request = await requestMeeting(userId);

    expect(await lifecycle.handle(request)).toMatchObject({ sync: 'waiting-for-reconnect' });
    const types = (await eventStore.readStream(request.streamId)).map((event) => event.type);
    expect(types).toEqual(['MeetingRequested', 'MeetingReconnectRequired']);

    await connect(email, userId);
    expect(await sync.wakeUser(userId, emulator.clock.now())).toBe(1);
    let outcome;
    while ((outcome = await lifecycle.reconcileNextDue()) && outcome.meetingId !== request.data.meetingId);
    expect(outcome).toMatchObject({ step: 'create', sync: 'converged', appended: ['MeetingScheduled'] });
    expect(
      [...emulator.state.meetings.values()].filter((meeting) => meeting.hostUserId === webexUser.id),
    ).toHaveLength(1);
    expect(await sync.find(request.data.meetingId)).toBeUndefined();
  });
});

describe("the bridge's private tables", () => {
  it('are taken over from a database made before migrations were recorded, keeping their rows', async () => {
    const previous = await isolatedSchema('webex_accounts_previous');
    const previousPool = new pg.Pool({ connectionString: previous.connectionString, max: 2 });
    try {
      // What the previous start code created: the tables, and no record of migrations.
      await previousPool.query(webexAccountMigrations(undefined)[0]!.up);
      await previousPool.query(
        `INSERT INTO webex_directory_sites (user_id, site_url) VALUES ('u-1', 'https://example.webex.com')`,
      );

      const previousRepository = new WebexAccountsRepository(previousPool);
      await previousRepository.ensureSchema();
      await expect(previousRepository.directorySite('u-1')).resolves.toBe('https://example.webex.com');
      const { rows } = await previousPool.query('SELECT component, version FROM schema_migrations');
      expect(rows).toEqual([
        { component: 'webex-bridge.accounts', version: 1 },
        { component: 'webex-bridge.accounts', version: 2 },
      ]);
    } finally {
      await previousPool.end();
      await previous.drop();
    }
  });
});
