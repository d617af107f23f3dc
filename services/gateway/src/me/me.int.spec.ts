import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import type { JetStreamClient } from '@scheduler/bus';
import { loadConfig } from '@scheduler/config';
import {
  ExchangeWebexAuthorizationCode,
  GoogleAccountConnected,
  GoogleAccountDisconnected,
  RequestMeeting,
  TenantSettingsChanged,
  createEvent,
  newUuidV7,
} from '@scheduler/contracts';
import { PersonalDataCodec } from '@scheduler/crypto-shredding';
import {
  createGoogleEmulator,
  createWebexEmulator,
  developmentClient,
  type GoogleEmulator,
  type WebexEmulator,
} from '@scheduler/emulators';
import { PostgresEventStore } from '@scheduler/event-store';
import { BUS_CLIENT, sealedEnvelopeCodec } from '@scheduler/runtime';
import {
  eventually,
  isolatedSchema,
  startServiceProcess,
  testInfrastructure,
  type IsolatedSchema,
  type ServiceProcess,
  uniqueName,
} from '@scheduler/testing';
import { GatewayModule } from '../app.module.js';
import { gatewayEnvironment } from '../config.js';

// GET /v1/me and PUT /v1/me/preferences through the gateway, with the real webex-bridge (which
// lists and checks what the user's Webex account offers) against the Webex emulator.

const clientId = 'scheduler-me-test.apps.googleusercontent.com';
const publicBaseUrl = 'https://scheduler.example/addon';
const webexRedirectUri = `${publicBaseUrl}/v1/oauth/webex/callback`;
const tenantId = 'demo.example';

interface TestUser {
  email: string;
  sub: string;
  idToken: string;
}

let google: GoogleEmulator;
let webex: WebexEmulator;
let schema: IsolatedSchema;
let keySchema: IsolatedSchema;
let bridgeSchema: IsolatedSchema;
let webexBridge: ServiceProcess;
let store: PostgresEventStore;
let app: INestApplication;
let baseUrl: string;
let alice: TestUser;
let bob: TestUser;

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = response.headers.get('content-type')?.startsWith('application/json');
  return { status: response.status, body: json ? await response.json() : await response.text() };
}

const me = (user: TestUser) => call('GET', '/v1/me', user.idToken);
const putPreferences = (user: TestUser, body: unknown) =>
  call('PUT', '/v1/me/preferences', user.idToken, body);

/** The Webex emulator's meeting templates of a site (the ones Webex would list). */
const templatesOf = (siteUrl: string) =>
  webex.state.templates.filter(
    (template) => template.siteUrl === siteUrl && template.templateType === 'meeting',
  );

/** Connects the user's Webex account in webex-bridge as the gateway's Webex callback would. */
async function connectWebex(user: { email: string; sub: string }): Promise<void> {
  const authorize = new URL(`${webex.url}/v1/authorize`);
  authorize.searchParams.set('response_type', 'code');
  authorize.searchParams.set('client_id', developmentClient.clientId);
  authorize.searchParams.set('redirect_uri', webexRedirectUri);
  authorize.searchParams.set('login_hint', user.email);
  const consent = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
  const answer = await firstValueFrom(
    app.get<JetStreamClient>(BUS_CLIENT).send(ExchangeWebexAuthorizationCode, {
      tenantId,
      userId: user.sub,
      googleEmail: user.email,
      code,
      redirectUri: webexRedirectUri,
      codeVerifier: 'test-pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz',
      correlationId: `connect-webex-${user.sub}`,
    }),
  );
  expect(answer).toEqual({ userId: user.sub, connected: true });
}

/** Appends to the user's Google account stream as google-ingest (its writer) does: personal fields sealed. */
async function appendGoogleAccount(userId: string, events: Parameters<typeof createEvent>[]) {
  const streamId = `googleAccount-${userId}`;
  const existing = await store.readStream(streamId).catch(() => []);
  const envelopes = events.map(([contract, input]) => createEvent(contract, input));
  await store.append(
    streamId,
    await sealedEnvelopeCodec(app.get(PersonalDataCodec)).write(envelopes),
    existing.length === 0 ? 'no_stream' : BigInt(existing.length - 1),
  );
}

beforeAll(async () => {
  schema = await isolatedSchema('gateway_me');
  keySchema = await isolatedSchema('gateway_me_keys');
  bridgeSchema = await isolatedSchema('gateway_me_webex_bridge');
  store = await PostgresEventStore.connect({ connectionString: schema.connectionString, poolSize: 2 });
  google = await createGoogleEmulator();
  await google.listen();
  const seeded = google.seed({
    clients: [{ clientId, clientSecret: 'me-test-secret' }],
    users: [
      { email: 'alice@demo.example', name: 'Alice', timeZone: 'Europe/Berlin' },
      { email: 'bob@demo.example', name: 'Bob', timeZone: 'Europe/Berlin' },
    ],
  });
  const idTokenFor = async (email: string) => {
    const response = await fetch(`${google.url}/control/google/id-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, audience: clientId }),
    });
    return ((await response.json()) as { idToken: string }).idToken;
  };
  const users = await Promise.all(
    seeded.users.map(async ({ email, sub }) => ({ email, sub, idToken: await idTokenFor(email) })),
  );
  [alice, bob] = [users[0]!, users[1]!];
  // Alice hosts on two sites; Bob never connects Webex.
  webex = createWebexEmulator({
    users: [
      {
        email: alice.email,
        timezone: 'Europe/Berlin',
        sites: [{ siteUrl: 'demo.webex.com', default: true }, { siteUrl: 'board.webex.com' }],
      },
    ],
  });
  await webex.listen(0, '127.0.0.1');

  const shared = {
    NATS_URL: testInfrastructure().natsUrl,
    EVENT_STORE_URL: schema.connectionString,
    KEY_STORE_URL: keySchema.connectionString,
    KEY_ENCRYPTION_KEY: `gateway-me-test:${randomBytes(32).toString('base64')}`,
    BUS_PREFIX: uniqueName('gateway_me'),
  };
  const bridgeStarted = startServiceProcess(
    { name: 'webex-bridge', main: new URL('../../../webex-bridge/src/main.ts', import.meta.url) },
    {
      ...shared,
      DATABASE_URL: bridgeSchema.connectionString,
      WEBEX_API_BASE_URL: `${webex.url}/v1`,
      WEBEX_CLIENT_ID: developmentClient.clientId,
      WEBEX_CLIENT_SECRET: developmentClient.clientSecret,
      WEBEX_REDIRECT_URI: webexRedirectUri,
      LOG_LEVEL: 'warn',
    },
  ).then(async (started) => {
    webexBridge = started;
    await started.waitUntilReady(60_000);
  });
  bridgeStarted.catch(() => undefined); // awaited below

  const config = loadConfig('gateway', gatewayEnvironment, {
    ...shared,
    HTTP_PORT: '0',
    READ_MODEL_URL: schema.connectionString,
    LOG_LEVEL: 'silent',
    PUBLIC_BASE_URL: publicBaseUrl,
    GOOGLE_CLIENT_ID: clientId,
    ALLOWED_HOSTED_DOMAINS: tenantId,
    OAUTH_STATE_SECRET: 'gateway-me-test-oauth-state-secret-0123456789',
    GOOGLE_API_BASE_URL: google.url,
    WEBEX_CLIENT_ID: 'scheduler-test-webex-client',
  });
  const moduleRef = await Test.createTestingModule({ imports: [GatewayModule.forRoot(config)] }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  await bridgeStarted;
  try {
    await connectWebex(alice);
  } catch (error) {
    throw new Error(
      `webex-bridge could not connect Alice's Webex account:\n${webexBridge.output().slice(-4000)}`,
      {
        cause: error,
      },
    );
  }
}, 120_000);

afterAll(async () => {
  await app?.close();
  await webexBridge?.stop();
  await store?.close();
  await google?.close();
  await webex?.close();
  await schema?.drop();
  await keySchema?.drop();
  await bridgeSchema?.drop();
});

describe('GET /v1/me', () => {
  it('refuses a caller without a token: 401 in the one error format', async () => {
    const answer = await call('GET', '/v1/me');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      error: {
        code: 'unauthenticated',
        reason: 'missing_token',
        message: expect.any(String),
        correlationId: expect.any(String),
      },
    });
    expect((await call('PUT', '/v1/me/preferences', undefined, { language: 'de' })).status).toBe(401);
  });

  it('shows the connected Webex account, its default site and template, and the sites and templates on offer', async () => {
    const [demoDefault] = templatesOf('demo.webex.com').filter((template) => template.isDefault);
    const answer = await eventually(async () => {
      const current = await me(alice);
      expect(current.body.webex.status).toBe('connected');
      expect(current.body.site).not.toBeNull();
      return current;
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      google: { status: 'not-connected' },
      webex: { status: 'connected', since: expect.any(String), email: alice.email },
      site: { siteUrl: 'demo.webex.com', source: 'account-default' },
      template: { id: demoDefault!.id, name: demoDefault!.name },
      language: null,
      timeZone: null,
      preferences: {},
      options: {
        sites: [
          { siteUrl: 'demo.webex.com', default: true },
          { siteUrl: 'board.webex.com', default: false },
        ],
        templates: expect.any(Array),
      },
    });
    const offered = answer.body.options.templates as Array<{ id: string; siteUrl: string }>;
    expect(offered.map((template) => template.id).sort()).toEqual(
      [...templatesOf('demo.webex.com'), ...templatesOf('board.webex.com')]
        .map((template) => template.id)
        .sort(),
    );
  });

  it('shows a Google account whose token was revoked as needing a reconnect, and connected again after', async () => {
    const streamId = `googleAccount-${alice.sub}`;
    await appendGoogleAccount(alice.sub, [
      [
        GoogleAccountConnected,
        {
          streamId,
          tenantId,
          data: {
            userId: alice.sub,
            email: alice.email,
            locale: 'en-GB',
            timeZone: 'Europe/Berlin',
            hostedDomain: tenantId,
            scopes: ['openid'],
          },
        },
      ],
      [
        GoogleAccountDisconnected,
        {
          streamId,
          tenantId,
          data: { userId: alice.sub, reason: 'token-revoked', disconnectedAt: '2026-12-02T08:00:00Z' },
        },
      ],
    ]);
    const revoked = await eventually(async () => {
      const current = await me(alice);
      expect(current.body.google.status).toBe('needs-reconnect');
      return current.body;
    });
    expect(revoked).toMatchObject({
      google: { status: 'needs-reconnect', reason: 'token-revoked', since: '2026-12-02T08:00:00Z' },
      webex: { status: 'connected' },
      language: 'en-GB',
      timeZone: 'Europe/Berlin',
    });
    await appendGoogleAccount(alice.sub, [
      [
        GoogleAccountConnected,
        {
          streamId,
          tenantId,
          data: {
            userId: alice.sub,
            email: alice.email,
            locale: 'en-GB',
            timeZone: 'Europe/Berlin',
            hostedDomain: tenantId,
            scopes: ['openid'],
          },
        },
      ],
    ]);
    await eventually(async () =>
      expect((await me(alice)).body.google).toMatchObject({ status: 'connected' }),
    );
  });

  it('answers a user without Webex with the connections and no options, saying why', async () => {
    const answer = await me(bob);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      google: { status: 'not-connected' },
      webex: { status: 'not-connected' },
      site: null,
      template: null,
      language: null,
      timeZone: null,
      preferences: {},
      options: null,
      optionsUnavailable: { reason: 'webex-not-connected' },
    });
  });
});

describe("error messages in the caller's language", () => {
  async function badPreferences(user: TestUser | undefined, acceptLanguage?: string) {
    const response = await fetch(`${baseUrl}/v1/me/preferences`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        ...(user ? { authorization: `Bearer ${user.idToken}` } : {}),
        ...(acceptLanguage ? { 'accept-language': acceptLanguage } : {}),
      },
      body: JSON.stringify({ siteUrl: 'https://demo.webex.com/' }),
    });
    return {
      status: response.status,
      contentLanguage: response.headers.get('content-language'),
      error: ((await response.json()) as { error: { code: string; message: string } }).error,
    };
  }

  it('answers an unauthenticated caller in its Accept-Language, else English; the code stays', async () => {
    expect(await badPreferences(undefined, 'pt-BR, de;q=0.9, en;q=0.5')).toMatchObject({
      status: 401,
      contentLanguage: 'de',
      error: {
        code: 'unauthenticated',
        message: 'Ein Header „Authorization: Bearer <Google-ID-Token>“ ist erforderlich',
      },
    });
    expect(await badPreferences(undefined)).toMatchObject({
      status: 401,
      contentLanguage: 'en',
      error: {
        code: 'unauthenticated',
        message: 'An Authorization: Bearer <Google ID token> header is required',
      },
    });
  });

  it('answers a known user in their language (preference, else Google locale), whatever the header says', async () => {
    // Alice's Google locale is en-GB and she has chosen no language.
    expect(await badPreferences(alice, 'fr')).toMatchObject({
      status: 400,
      contentLanguage: 'en',
      error: { code: 'invalid_request', message: 'The request body is invalid: siteUrl' },
    });
    expect((await putPreferences(alice, { language: 'de' })).status).toBe(200);
    expect(await badPreferences(alice, 'fr')).toMatchObject({
      status: 400,
      contentLanguage: 'de',
      error: { code: 'invalid_request', message: 'Der Body der Anfrage ist ungültig: siteUrl' },
    });
    // A language we do not ship is English, not the Google locale or the header.
    expect((await putPreferences(alice, { language: 'pt-BR' })).status).toBe(200);
    expect(await badPreferences(alice, 'de')).toMatchObject({ contentLanguage: 'en' });
    expect((await putPreferences(alice, { language: null })).status).toBe(200);
  });

  it('answers a user the accounts read model does not know yet in their Accept-Language', async () => {
    // Bob has connected nothing and chosen nothing yet.
    expect(await badPreferences(bob, 'ja-JP')).toMatchObject({
      status: 400,
      contentLanguage: 'ja',
      error: { code: 'invalid_request', message: 'リクエストの本文が無効です: siteUrl' },
    });
  });
});

describe("the tenant's allowed Webex sites in /v1/me", () => {
  /** Records the tenant's settings as google-ingest, the tenant stream's writer, does. */
  const allowSites = async (allowedWebexSites: string[] | null) => {
    const event = createEvent(TenantSettingsChanged, {
      streamId: `tenant-${tenantId}`,
      tenantId,
      correlationId: 'tenant-settings',
      data: {
        tenantId,
        changedBy: alice.sub,
        settings: {
          enabled: true,
          retentionAfterEndSeconds: null,
          allowedWebexSites,
          defaultMeetingTemplate: null,
        },
      },
    });
    await store.append(
      event.streamId,
      await sealedEnvelopeCodec(app.get(PersonalDataCodec)).write([event]),
      'any',
    );
  };
  const offeredSites = async () =>
    ((await me(alice)).body.options?.sites ?? []).map((site: { siteUrl: string }) => site.siteUrl);

  it('offers only the sites the administrators allow, and refuses another one: 403 webex_site_not_allowed', async () => {
    await allowSites(['demo.webex.com']);
    try {
      await eventually(async () => expect(await offeredSites()).toEqual(['demo.webex.com']));
      const templates = (await me(alice)).body.options.templates as Array<{ siteUrl: string }>;
      expect(templates.length).toBeGreaterThan(0);
      expect(templates.every((template) => template.siteUrl === 'demo.webex.com')).toBe(true);
      const refused = await putPreferences(alice, { siteUrl: 'board.webex.com' });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({
        code: 'webex_site_not_allowed',
        siteUrl: 'board.webex.com',
        allowedSites: ['demo.webex.com'],
      });
    } finally {
      await allowSites(null);
    }
    await eventually(async () =>
      expect((await offeredSites()).sort()).toEqual(['board.webex.com', 'demo.webex.com']),
    );
  });

  it('refuses a new meeting, or a retry, on a site the administrators do not allow, before anything is asked', async () => {
    await allowSites(['board.webex.com']);
    try {
      await eventually(async () => expect(await offeredSites()).toEqual(['board.webex.com']));
      // Alice has chosen no site: her meetings would go to her account's default, demo.webex.com.
      for (const [path, body] of [
        ['/v1/meetings', { calendarId: alice.email, eventId: 'event1' }],
        [`/v1/meetings/${newUuidV7()}/retry`, undefined],
      ] as const) {
        const refused = await call('POST', path, alice.idToken, body ?? {});
        expect({ path, status: refused.status }).toEqual({ path, status: 403 });
        expect(refused.body.error).toMatchObject({
          code: 'webex_site_not_allowed',
          siteUrl: 'demo.webex.com',
          allowedSites: ['board.webex.com'],
        });
      }
    } finally {
      await allowSites(null);
    }
  });
});

describe('PUT /v1/me/preferences', () => {
  it.each<[string, unknown, string[]]>([
    ['an empty body', {}, ['(body)']],
    ['a site given as a URL', { siteUrl: 'https://demo.webex.com/' }, ['siteUrl']],
    ['a site of another domain', { siteUrl: 'demo.example.com' }, ['siteUrl']],
    ['a language that is not BCP 47', { language: 'English' }, ['language']],
    ['an unknown field', { timeZone: 'Europe/Berlin' }, ['timeZone']],
    ['a template id that is not a string', { templateId: 42 }, ['templateId']],
  ])('refuses %s: 400 naming the field', async (_case, body, paths) => {
    const answer = await putPreferences(alice, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request' });
    expect(answer.body.error.fields.map((field: { path: string }) => field.path)).toEqual(paths);
  });

  it('refuses a site the user’s Webex account does not have: 422 naming siteUrl, nothing recorded', async () => {
    const answer = await putPreferences(alice, { siteUrl: 'elsewhere.webex.com' });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toEqual({
      code: 'preference_not_offered',
      message: expect.any(String),
      fields: [{ path: 'siteUrl', message: 'is not a site of your Webex account' }],
      correlationId: expect.any(String),
    });
    expect((await me(alice)).body.preferences).toEqual({});
  });

  it('refuses a template that is not one of the site’s: 422 naming templateId', async () => {
    const boardTemplate = templatesOf('board.webex.com')[0]!;
    // A template of another site than the one chosen is not one of the site's either.
    for (const body of [
      { templateId: 'no-such-template' },
      { siteUrl: 'demo.webex.com', templateId: boardTemplate.id },
    ]) {
      const answer = await putPreferences(alice, body);
      expect(answer.status).toBe(422);
      expect(answer.body.error).toMatchObject({
        code: 'preference_not_offered',
        fields: [{ path: 'templateId', message: 'is not a meeting template of the Webex site' }],
      });
    }
  });

  it('refuses a site or template for a user without Webex: 409; a language needs no Webex', async () => {
    const answer = await putPreferences(bob, { siteUrl: 'demo.webex.com' });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'webex_account_not_connected' });
    const language = await putPreferences(bob, { language: 'fr-CA' });
    expect(language).toEqual({ status: 200, body: { preferences: { language: 'fr-CA' } } });
    expect((await me(bob)).body).toMatchObject({ language: 'fr-CA', preferences: { language: 'fr-CA' } });
  });

  it('records a site and template the user has; GET shows them at once; new meetings are created there', async () => {
    const boardTemplate = templatesOf('board.webex.com').find((template) => !template.isDefault)!;
    const answer = await putPreferences(alice, {
      siteUrl: 'board.webex.com',
      templateId: boardTemplate.id,
      language: 'de',
    });
    expect(answer).toEqual({
      status: 200,
      body: { preferences: { siteUrl: 'board.webex.com', templateId: boardTemplate.id, language: 'de' } },
    });
    // Read-your-writes: the answer came once the read model had the change.
    expect((await me(alice)).body).toMatchObject({
      site: { siteUrl: 'board.webex.com', source: 'preference' },
      template: { id: boardTemplate.id, name: boardTemplate.name },
      language: 'de',
      preferences: { siteUrl: 'board.webex.com', templateId: boardTemplate.id, language: 'de' },
    });
    // The same again changes nothing.
    expect((await putPreferences(alice, { siteUrl: 'board.webex.com' })).body).toEqual(answer.body);

    const meetingId = newUuidV7();
    const start = new Date(Date.now() + 48 * 3600_000);
    start.setUTCMinutes(0, 0, 0);
    await firstValueFrom(
      app.get<JetStreamClient>(BUS_CLIENT).send(RequestMeeting, {
        tenantId,
        trace: { correlationId: `me-test-${meetingId}`, causationId: null, traceparent: null },
        data: {
          meetingId,
          userId: alice.sub,
          source: 'calendar',
          calendarId: alice.email,
          eventId: `event${meetingId.replace(/-/g, '')}`,
          title: 'On the preferred site',
          start: start.toISOString(),
          end: new Date(start.getTime() + 1800_000).toISOString(),
          timeZone: 'Europe/Berlin',
          invitees: [],
        },
      }),
    );
    const created = await eventually(async () => {
      const found = [...webex.state.meetings.values()].find((meeting) =>
        meeting.integrationTags?.includes(meetingId),
      );
      expect(found).toBeDefined();
      return found!;
    }, 30_000);
    expect({ siteUrl: created.siteUrl, templateId: created.templateId }).toEqual({
      siteUrl: 'board.webex.com',
      templateId: boardTemplate.id,
    });
  }, 60_000);

  it('choosing another site drops the template of the old one; null removes a preference', async () => {
    const answer = await putPreferences(alice, { siteUrl: 'demo.webex.com' });
    expect(answer).toEqual({
      status: 200,
      body: { preferences: { siteUrl: 'demo.webex.com', language: 'de' } },
    });
    const [demoDefault] = templatesOf('demo.webex.com').filter((template) => template.isDefault);
    // The resolved template counts again: it is the same site.
    expect((await me(alice)).body).toMatchObject({
      site: { siteUrl: 'demo.webex.com', source: 'preference' },
      template: { id: demoDefault!.id },
    });
    expect((await putPreferences(alice, { siteUrl: null, language: null })).body).toEqual({
      preferences: {},
    });
    expect((await me(alice)).body).toMatchObject({
      site: { siteUrl: 'demo.webex.com', source: 'account-default' },
      language: 'en-GB',
      preferences: {},
    });
  });

  // Last: the Webex faults open the bridge's circuit breaker for a while.
  it('while Webex is unreachable, GET still answers with the connections and options null; a site cannot be checked: 503', async () => {
    webex.faults.add({ method: 'GET', pathPrefix: '/v1/meetingPreferences/sites', status: 503 });
    try {
      const answer = await me(alice);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        google: { status: 'connected' },
        webex: { status: 'connected' },
        site: { siteUrl: 'demo.webex.com', source: 'account-default' },
        options: null,
        optionsUnavailable: { reason: 'webex-unavailable' },
      });
      const put = await putPreferences(alice, { siteUrl: 'board.webex.com' });
      expect(put.status).toBe(503);
      expect(put.body.error).toMatchObject({ code: 'service_unavailable' });
      expect((await me(alice)).body.preferences).toEqual({});
    } finally {
      webex.faults.clear();
    }
  }, 60_000);

  // Last of all: it stops webex-bridge.
  it('while webex-bridge is down, GET still answers from the read model with options null; a change is 503', async () => {
    await webexBridge.stop();
    const answer = await me(alice);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      google: { status: 'connected' },
      webex: { status: 'connected' },
      site: { siteUrl: 'demo.webex.com', source: 'account-default' },
      options: null,
      optionsUnavailable: { reason: 'webex-bridge-unavailable' },
    });
    const put = await putPreferences(alice, { language: 'de' });
    expect(put.status).toBe(503);
    expect(put.body.error).toMatchObject({ code: 'service_unavailable' });
  }, 60_000);
});
