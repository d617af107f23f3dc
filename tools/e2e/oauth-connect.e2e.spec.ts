import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoGoogleClient, demoTenant } from '@scheduler/emulators';
import { Browser, startJourneyStack, type JourneyStack } from '@scheduler/test-harness';
import { eventually } from '@scheduler/testing';

// The connect flows as a browser runs them against the whole stack: the gateway's OAuth
// redirects, the emulators' consent (PKCE enforced as Google and Webex do), google-ingest and
// webex-bridge exchanging the codes over NATS, and GET /v1/me from the accounts read model.
const alice = demoTenant.user;
const bob = 'bob@demo.example';
const carol = 'carol@demo.example';
const dave = 'dave@demo.example';
const gmailScope = 'https://www.googleapis.com/auth/gmail.addons.current.message.metadata';

interface Connection {
  status: string;
  reason?: string;
  email?: string;
  missingScopes?: string[];
}

interface Me {
  google: Connection;
  webex: Connection;
}

interface ApiError {
  error: { code: string; reason?: string; provider?: string };
}

let stack: JourneyStack;
const tokens = new Map<string, string>();

const isCallback = (url: URL) => url.pathname.endsWith('/callback');

beforeAll(async () => {
  stack = await startJourneyStack();
  stack.emulators.google.seed({
    users: [bob, carol, dave].map((email) => ({
      email,
      name: email.split('@')[0]!,
      timeZone: 'Europe/Berlin',
    })),
  });
  const sites = [{ siteUrl: 'demo.webex.com', default: true }];
  for (const email of [bob, carol, dave, 'someone.else@demo.example'])
    stack.emulators.webex.seedUser({ email, displayName: email, timezone: 'Europe/Berlin', sites });
  for (const email of [alice, bob, carol, dave]) {
    const { idToken } = await stack.google.request<{ idToken: string }>('/google/id-token', {
      email,
      audience: demoGoogleClient.clientId,
    });
    tokens.set(email, idToken);
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const me = async (email: string) => (await stack.callGateway<Me>(tokens.get(email)!, '/v1/me')).body;

/** Starts the Google connection as the signed-in add-on user would, up to the provider's redirect back. */
async function googleConsent(browser: Browser, email: string, gatewayUrl = stack.gatewayUrl) {
  const started = await browser.navigate(`${gatewayUrl}/v1/oauth/google/start`, {
    headers: { authorization: `Bearer ${tokens.get(email)!}` },
    stopAt: isCallback,
  });
  return new URL(started.stoppedAt!);
}

/** The Webex authorization URL the gateway answers; `account` picks who logs in at Webex. */
async function webexAuthorizationUrl(browser: Browser, email: string, account = email) {
  const start = await browser.fetch(`${stack.gatewayUrl}/v1/oauth/webex/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(email)!}` },
    body: '{}',
  });
  expect(start.status).toBe(200);
  const url = new URL(((await start.json()) as { authorizationUrl: string }).authorizationUrl);
  url.searchParams.set('login_hint', account); // the emulator's stand-in for Webex's login page
  return url;
}

/** Brings the provider's redirect back to the gateway: the answer's status and body or location. */
async function callback(browser: Browser, url: URL | string) {
  const response = await browser.fetch(url);
  const text = await response.text();
  return {
    status: response.status,
    location: response.headers.get('location') ?? undefined,
    body: (text.startsWith('{') ? JSON.parse(text) : undefined) as ApiError | undefined,
  };
}

async function connectWebex(email: string, account = email) {
  const browser = new Browser();
  const consented = await browser.navigate(
    (await webexAuthorizationUrl(browser, email, account)).toString(),
    {
      stopAt: isCallback,
    },
  );
  return callback(browser, consented.stoppedAt!);
}

describe('connecting Google', () => {
  it('completes with PKCE and a flow cookie; the same callback again, or from another browser, is refused', async () => {
    const browser = new Browser();
    const back = await googleConsent(browser, bob);
    expect(browser.cookieNames(back.toString())).toEqual(['scheduler_oauth_google']);

    const elsewhere = await callback(new Browser(), back);
    expect([elsewhere.status, elsewhere.body?.error.code, elsewhere.body?.error.reason]).toEqual([
      400,
      'invalid_oauth_state',
      'browser_mismatch',
    ]);

    const done = await callback(browser, back);
    expect(done.status).toBe(303);
    expect(new URL(done.location!).searchParams.get('connected')).toBe('google');
    expect(browser.cookieNames(back.toString())).toEqual([]);
    await eventually(
      async () => expect((await me(bob)).google).toMatchObject({ status: 'connected', email: bob }),
      20_000,
    );

    const replayed = await callback(browser, back);
    expect([replayed.status, replayed.body?.error.code, replayed.body?.error.reason]).toEqual([
      400,
      'invalid_oauth_state',
      'replayed',
    ]);
  }, 60_000);

  it('refuses a state that outlived its lifetime', async () => {
    // A gateway replica whose states live one second; the stack's other replica verifies them alike.
    const replica = await stack.startReplica('gateway', { OAUTH_STATE_LIFETIME_SECONDS: '1' });
    const browser = new Browser();
    const back = await googleConsent(browser, bob, replica.baseUrl);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // let the state expire
    const expired = await callback(browser, back);
    expect([expired.status, expired.body?.error.code, expired.body?.error.reason]).toEqual([
      400,
      'invalid_oauth_state',
      'expired',
    ]);
  }, 90_000);

  it('a code issued for another PKCE challenge is refused by Google, and nothing is connected', async () => {
    const browser = new Browser();
    const started = await browser.navigate(`${stack.gatewayUrl}/v1/oauth/google/start`, {
      headers: { authorization: `Bearer ${tokens.get(dave)!}` },
      stopAt: (url) => url.pathname.endsWith('/o/oauth2/v2/auth'),
    });
    const consent = new URL(started.stoppedAt!);
    expect(consent.searchParams.get('code_challenge_method')).toBe('S256');
    // Someone swapped the challenge for their own: the gateway's verifier no longer fits the code.
    const foreign = createHash('sha256').update(randomBytes(48).toString('base64url')).digest('base64url');
    consent.searchParams.set('code_challenge', foreign);
    const consented = await browser.navigate(consent.toString(), { stopAt: isCallback });
    const refused = await callback(browser, consented.stoppedAt!);
    expect([refused.status, refused.body?.error.code]).toEqual([400, 'authorization_code_rejected']);
    expect((await me(dave)).google.status).toBe('not-connected');
  }, 60_000);

  it('a consent that withholds a scope leaves the account needing a reconnect that names it; a full consent connects', async () => {
    await stack.google.request('/google/consent/withhold-scopes', { email: alice, scopes: [gmailScope] });
    const browser = new Browser();
    expect((await callback(browser, await googleConsent(browser, alice))).status).toBe(303);
    await eventually(
      async () =>
        expect((await me(alice)).google).toMatchObject({
          status: 'needs-reconnect',
          reason: 'scopes-missing',
          missingScopes: [gmailScope],
        }),
      20_000,
    );
    await stack.google.request('/google/consent/withhold-scopes', { email: alice, scopes: [] });
    expect((await callback(browser, await googleConsent(browser, alice))).status).toBe(303);
    await eventually(async () => {
      const google = (await me(alice)).google;
      expect(google.status).toBe('connected');
      expect(google).not.toHaveProperty('missingScopes');
    }, 20_000);
  }, 90_000);
});

describe('connecting Webex', () => {
  it('connects the Webex account of the same person, with PKCE; reconnecting the same one is fine', async () => {
    const browser = new Browser();
    const url = await webexAuthorizationUrl(browser, bob);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const consented = await browser.navigate(url.toString(), { stopAt: isCallback });
    const done = await callback(browser, consented.stoppedAt!);
    expect([done.status, new URL(done.location!).searchParams.get('connected')]).toEqual([303, 'webex']);
    await eventually(
      async () => expect((await me(bob)).webex).toMatchObject({ status: 'connected', email: bob }),
      20_000,
    );
    expect((await connectWebex(bob)).status).toBe(303);
  }, 60_000);

  it('refuses a Webex account whose email is not the Google email', async () => {
    const refused = await connectWebex(carol, 'someone.else@demo.example');
    expect([refused.status, refused.body?.error.code]).toEqual([403, 'webex_email_mismatch']);
    expect((await me(carol)).webex.status).toBe('not-connected');
  }, 60_000);

  it('one Webex account per user, and one user per Webex account', async () => {
    // Carol's own account connects; Bob (connected to his) cannot take Carol's, nor Carol Bob's.
    expect((await connectWebex(carol)).status).toBe(303);
    const second = await connectWebex(bob, carol);
    expect([second.status, second.body?.error.code]).toEqual([409, 'webex_account_already_connected']);
    const taken = await connectWebex(dave, bob);
    expect([taken.status, taken.body?.error.code]).toEqual([409, 'webex_account_in_use']);
    await eventually(
      async () => expect((await me(bob)).webex).toMatchObject({ status: 'connected', email: bob }),
      20_000,
    );
    expect((await me(dave)).webex.status).toBe('not-connected');
  }, 60_000);

  it('a code issued for another PKCE challenge is refused by Webex', async () => {
    const browser = new Browser();
    const url = await webexAuthorizationUrl(browser, dave);
    url.searchParams.set(
      'code_challenge',
      createHash('sha256').update(randomBytes(48).toString('base64url')).digest('base64url'),
    );
    const consented = await browser.navigate(url.toString(), { stopAt: isCallback });
    const refused = await callback(browser, consented.stoppedAt!);
    expect([refused.status, refused.body?.error.code]).toEqual([400, 'authorization_code_rejected']);
    expect((await me(dave)).webex.status).toBe('not-connected');
  }, 60_000);

  it('a consent that declines a scope leaves the account needing a reconnect that names it', async () => {
    await stack.webex.request('/webex/consent/withhold-scopes', {
      email: dave,
      scopes: ['meeting:schedules_write'],
    });
    expect((await connectWebex(dave)).status).toBe(303);
    await eventually(
      async () =>
        expect((await me(dave)).webex).toMatchObject({
          status: 'needs-reconnect',
          reason: 'scopes-missing',
          missingScopes: ['meeting:schedules_write'],
        }),
      20_000,
    );
    await stack.webex.request('/webex/consent/withhold-scopes', { email: dave, scopes: [] });
    expect((await connectWebex(dave)).status).toBe(303);
    await eventually(async () => expect((await me(dave)).webex.status).toBe('connected'), 20_000);
  }, 90_000);
});
