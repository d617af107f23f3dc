import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { firstValueFrom } from 'rxjs';
import type { JetStreamClient } from '@scheduler/bus';
import { loadConfig } from '@scheduler/config';
import {
  ConferenceAttached,
  ExchangeWebexAuthorizationCode,
  MeetingDataPurged,
  MeetingEnded,
  MeetingScheduled,
  MeetingSchedulingFailed,
  createEvent,
  newUuidV7,
  type EventEnvelope,
} from '@scheduler/contracts';
import { PersonalDataCodec, SecretBox, isRedacted, meetingSubject } from '@scheduler/crypto-shredding';
import {
  createGoogleEmulator,
  createWebexEmulator,
  developmentClient,
  type GoogleEmulator,
  type WebexEmulator,
} from '@scheduler/emulators';
import { PostgresEventStore, type RecordedEvent, recordedEventToEnvelope } from '@scheduler/event-store';
import { PostgresReadModelStore, ProjectionRunner } from '@scheduler/read-models';
import { BUS_CLIENT, sealedEnvelopeCodec, sealedEventOpener } from '@scheduler/runtime';
import { GoogleCalendarClient, GoogleOAuth } from '@scheduler/google';
import {
  eventually,
  isolatedSchema,
  startServiceProcess,
  testInfrastructure,
  type IsolatedSchema,
  type ServiceProcess,
  uniqueName,
} from '@scheduler/testing';
import { GatewayModule } from './app.module.js';
import { type GatewayConfig, gatewayEnvironment } from './config.js';
import { CALENDAR_EVENT_READER, type CalendarEventReader } from './meetings/calendar-event-reader.js';
import { claimIdOf, meetingClaimsCollection } from './meetings/meeting-claims.js';
import { meetingsProjection, type MeetingView } from './meetings/meetings-projection.js';
import {
  GoogleCalendarEventReader,
  type GoogleCalendarAccount,
} from '../test/google-calendar-event-reader.js';
import {
  AUTHORIZATION_CODE_HANDOFF,
  type AuthorizationCodeHandoff,
  type GoogleAuthorizationCodeExchange,
  type WebexAuthorizationCodeExchange,
  type AuthorizationCodeOutcome,
} from './oauth/authorization-code-handoff.js';
import type { OAuthConnectionRefusal } from './api-errors/api-errors.js';
import { codeChallengeOf } from './oauth/oauth-flows.js';
import { OAuthStateSigner } from './oauth/oauth-state.js';

const clientId = 'scheduler-gateway-test.apps.googleusercontent.com';
const clientSecret = 'gateway-test-secret';
const stateSecret = 'gateway-test-oauth-state-secret-0123456789';
const publicBaseUrl = 'https://scheduler.example/addon';
// What google-ingest would hold: used only to read calendars on the users' behalf.
const ingestRedirectUri = 'http://127.0.0.1/oauth/google/callback';
const calendarScopes = ['openid', 'email', 'https://www.googleapis.com/auth/calendar'];
// Where webex-bridge expects Webex to send users back: the gateway's callback.
const webexRedirectUri = `${publicBaseUrl}/v1/oauth/webex/callback`;

/** The hand-off boundary to google-ingest / webex-bridge (built elsewhere): records what it is given. */
class RecordingHandoff implements AuthorizationCodeHandoff {
  readonly google: AuthorizationCodeHandoff['google'];
  readonly webex: AuthorizationCodeHandoff['webex'];
  readonly googleCodes: GoogleAuthorizationCodeExchange[] = [];
  readonly webexCodes: WebexAuthorizationCodeExchange[] = [];
  failNext = false;
  /** The owner's next answer is this refusal (connected: false). */
  refuseNext: OAuthConnectionRefusal | undefined;

  constructor() {
    this.google = async (request) => {
      if (this.takeFailure()) throw new Error('google-ingest refused the code');
      this.googleCodes.push(request);
      return this.answer(request.userId ?? '1');
    };
    this.webex = async (request) => {
      if (this.takeFailure()) throw new Error('webex-bridge refused the code');
      this.webexCodes.push(request);
      return this.answer(request.userId);
    };
  }

  private answer(userId: string): AuthorizationCodeOutcome {
    const refused = this.refuseNext;
    this.refuseNext = undefined;
    return refused ? { connected: false, refused } : { userId, connected: true };
  }

  private takeFailure(): boolean {
    const fail = this.failNext;
    this.failNext = false;
    return fail;
  }
}

interface TestUser {
  email: string;
  sub: string;
  idToken: string;
}

let emulator: GoogleEmulator;
let webex: WebexEmulator;
let schema: IsolatedSchema;
let keySchema: IsolatedSchema;
let bridgeSchema: IsolatedSchema;
/** The real webex-bridge, the meeting stream's one writer: it records what the gateway requests. */
let webexBridge: ServiceProcess;
let store: PostgresEventStore;
let app: INestApplication;
let baseUrl: string;
let codec: PersonalDataCodec;
let calendarEventReader: CalendarEventReader;
let config: GatewayConfig;
const handoff = new RecordingHandoff();
const accounts = new Map<string, GoogleCalendarAccount>();
let alice: TestUser;
let bob: TestUser;
let mallory: TestUser;
let carol: TestUser;

async function control(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') {
  const response = await fetch(`${emulator.url}/control${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (response.status >= 400)
    throw new Error(`control ${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : ((await response.json()) as Record<string, unknown>);
}

const idTokenFor = async (email: string, audience = clientId) =>
  ((await control('/google/id-token', { email, audience })) as { idToken: string }).idToken;

/** Connects a user's calendar the way google-ingest does after the OAuth hand-off. */
async function connectCalendar(user: { email: string; sub: string }): Promise<void> {
  const oauth = new GoogleOAuth({
    clientId,
    clientSecret,
    redirectUri: ingestRedirectUri,
    endpoints: emulator.endpoints,
  });
  const { code } = (await control('/google/authorize', {
    clientId,
    email: user.email,
    scopes: calendarScopes,
    redirectUri: ingestRedirectUri,
  })) as { code: string };
  const tokens = await oauth.exchangeCode(code);
  const auth = oauth.clientFor({ ...tokens, refreshToken: tokens.refreshToken!, onTokens: () => undefined });
  accounts.set(user.sub, {
    email: user.email,
    calendar: new GoogleCalendarClient({
      auth,
      rootUrl: emulator.endpoints.calendarRootUrl,
      resilience: { baseDelayMs: 20 },
    }),
  });
}

/**
 * Connects a user's Webex account in webex-bridge as the gateway's Webex callback would: Webex
 * consents and redirects with a code, which the bridge exchanges (ExchangeWebexAuthorizationCode).
 */
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
      tenantId: 'demo.example',
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

async function createCalendarEvent(
  owner: string,
  summary: string,
  startIso: string,
  attendees: string[] = [],
): Promise<string> {
  const end = new Date(Date.parse(startIso) + 30 * 60_000).toISOString();
  const created = await control(`/google/calendars/${encodeURIComponent(owner)}/events`, {
    summary,
    start: { dateTime: startIso, timeZone: 'Europe/Berlin' },
    end: { dateTime: end, timeZone: 'Europe/Berlin' },
    attendees: attendees.map((email) => ({ email })),
  });
  return String(created!.id);
}

/**
 * A gateway replica. Calendar events are read straight from the Google emulator and OAuth codes
 * are recorded, in place of the requests to google-ingest; meetings go to the real webex-bridge.
 */
async function startGateway(gatewayConfig: GatewayConfig): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports: [GatewayModule.forRoot(gatewayConfig)] })
    .overrideProvider(CALENDAR_EVENT_READER)
    .useValue(calendarEventReader)
    .overrideProvider(AUTHORIZATION_CODE_HANDOFF)
    .useValue(handoff)
    .compile();
  const started = moduleRef.createNestApplication({ logger: false });
  await started.listen(0, '127.0.0.1');
  return { app: started, url: (await started.getUrl()).replace('[::1]', '127.0.0.1') };
}

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

async function call(
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    /** Another gateway replica. */
    baseUrl?: string;
  } = {},
): Promise<Answer> {
  const response = await fetch(`${options.baseUrl ?? baseUrl}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      ...(options.body !== undefined || options.rawBody !== undefined
        ? { 'content-type': 'application/json' }
        : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.rawBody !== undefined ? { body: options.rawBody } : {}),
  });
  const json = response.headers.get('content-type')?.startsWith('application/json');
  return {
    status: response.status,
    body: json ? await response.json() : await response.text(),
    headers: response.headers,
  };
}

const meetingEvents = (): Promise<RecordedEvent[]> => store.readAll({ filter: { categories: ['meeting'] } });

/**
 * What follows in a meeting's life once it is requested (scheduled in Webex, attached to the
 * calendar event, ended, purged), appended as its writer stores it: personal fields sealed.
 * Webex is kept unavailable in these tests, so the bridge itself appends nothing after the request.
 */
async function appendToMeeting(meetingId: string, events: EventEnvelope[]) {
  const streamId = `meeting-${meetingId}`;
  const existing = await store.readStream(streamId);
  return store.append(streamId, await sealedEnvelopeCodec(codec).write(events), BigInt(existing.length - 1));
}

const requestedOn = async (calendarEventId: string) =>
  (await meetingEvents()).filter(
    (event) => event.type === 'MeetingRequested' && event.data.eventId === calendarEventId,
  );

beforeAll(async () => {
  schema = await isolatedSchema('gateway_api');
  keySchema = await isolatedSchema('gateway_api_keys');
  bridgeSchema = await isolatedSchema('gateway_api_webex_bridge');
  store = await PostgresEventStore.connect({ connectionString: schema.connectionString, poolSize: 4 });
  emulator = await createGoogleEmulator();
  await emulator.listen();
  const seeded = emulator.seed({
    clients: [{ clientId, clientSecret }],
    users: [
      { email: 'alice@demo.example', name: 'Alice', timeZone: 'Europe/Berlin' },
      { email: 'bob@demo.example', name: 'Bob', timeZone: 'Europe/Berlin' },
      { email: 'carol@demo.example', name: 'Carol', timeZone: 'Europe/Berlin' },
      { email: 'mallory@elsewhere.example', name: 'Mallory', timeZone: 'Europe/Berlin' },
    ],
  });
  const user = async (index: number): Promise<TestUser> => {
    const { email, sub } = seeded.users[index]!;
    return { email, sub, idToken: await idTokenFor(email) };
  };
  [alice, bob, carol, mallory] = await Promise.all([user(0), user(1), user(2), user(3)]);
  await connectCalendar(alice);
  await connectCalendar(bob);
  webex = createWebexEmulator({
    users: [alice, bob].map(({ email }) => ({
      email,
      timezone: 'Europe/Berlin',
      sites: [{ siteUrl: 'demo.webex.com', default: true }],
    })),
  });
  await webex.listen(0, '127.0.0.1');

  // One event store, bus prefix and data-key store for the gateway and webex-bridge, as deployed.
  const shared = {
    NATS_URL: testInfrastructure().natsUrl,
    EVENT_STORE_URL: schema.connectionString,
    KEY_STORE_URL: keySchema.connectionString,
    KEY_ENCRYPTION_KEY: `gateway-test:${randomBytes(32).toString('base64')}`,
    BUS_PREFIX: uniqueName('gateway_api'),
  };
  // The meeting stream's writer, run from its sources as its own tests run it.
  const webexBridgeSource = {
    name: 'webex-bridge',
    main: new URL('../../webex-bridge/src/main.ts', import.meta.url),
  };
  const bridgeStarted = startServiceProcess(webexBridgeSource, {
    ...shared,
    DATABASE_URL: bridgeSchema.connectionString,
    WEBEX_API_BASE_URL: `${webex.url}/v1`,
    WEBEX_CLIENT_ID: developmentClient.clientId,
    WEBEX_CLIENT_SECRET: developmentClient.clientSecret,
    WEBEX_REDIRECT_URI: webexRedirectUri,
    LOG_LEVEL: 'warn',
  }).then(async (started) => {
    webexBridge = started;
    await started.waitUntilReady(60_000);
  });
  bridgeStarted.catch(() => undefined); // awaited below; a failed start must not go unhandled meanwhile

  config = loadConfig('gateway', gatewayEnvironment, {
    ...shared,
    HTTP_PORT: '0',
    READ_MODEL_URL: schema.connectionString,
    LOG_LEVEL: 'silent',
    PUBLIC_BASE_URL: publicBaseUrl,
    GOOGLE_CLIENT_ID: clientId,
    ALLOWED_HOSTED_DOMAINS: 'demo.example, other.example',
    OAUTH_STATE_SECRET: stateSecret,
    GOOGLE_API_BASE_URL: emulator.url,
    WEBEX_CLIENT_ID: 'scheduler-test-webex-client',
    WEBEX_AUTHORIZE_URL: 'https://webex.example/v1/authorize',
    // These tests send more requests per user than a person would; the limits have their own test.
    RATE_LIMIT_PER_USER: '100000',
    RATE_LIMIT_PER_IP: '100000',
  });
  calendarEventReader = new GoogleCalendarEventReader(async ({ userId }) => accounts.get(userId));
  ({ app, url: baseUrl } = await startGateway(config));
  codec = app.get(PersonalDataCodec);
  await bridgeStarted;
  try {
    await connectWebex(alice);
    await connectWebex(bob);
  } catch (error) {
    // The bridge answers "Internal server error"; its own log says why.
    throw new Error(
      `webex-bridge could not connect the Webex accounts:\n${webexBridge.output().slice(-4000)}`,
      {
        cause: error,
      },
    );
  }
  // Webex stays unavailable: the bridge keeps each requested meeting `requested` and retries
  // later, so what the gateway requested is what the tests see. The scheduling that follows
  // (MeetingScheduled and on) is appended by the tests themselves.
  webex.faults.add({ method: '*', pathPrefix: '/v1/meetings', status: 503 });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await webexBridge?.stop();
  await store?.close();
  await emulator?.close();
  await webex?.close();
  await schema?.drop();
  await keySchema?.drop();
  await bridgeSchema?.drop();
});

describe('authentication', () => {
  it('refuses a request without a token: 401 unauthenticated, nothing appended', async () => {
    const before = await meetingEvents();
    const answer = await call('POST', '/v1/meetings', { body: { calendarId: 'primary', eventId: 'abc' } });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      error: {
        code: 'unauthenticated',
        reason: 'missing_token',
        message: expect.any(String),
        correlationId: expect.any(String),
      },
    });
    expect(answer.body.error.correlationId).toBe(answer.headers.get('x-correlation-id'));
    expect(await meetingEvents()).toEqual(before);
    expect((await call('GET', `/v1/meetings/${newUuidV7()}`)).status).toBe(401);
  });

  it('refuses a header that is not a bearer token', async () => {
    const answer = await call('GET', '/v1/meetings?calendarId=a&eventId=b', {
      headers: { authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` },
    });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({ code: 'unauthenticated', reason: 'malformed_header' });
  });

  it('refuses a token signed with another key under the emulator key id: 401', async () => {
    const jwks = (await (await fetch(`${emulator.url}/oauth2/v3/certs`)).json()) as {
      keys: Array<{ kid: string }>;
    };
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    expect(await exportJWK(publicKey)).toHaveProperty('n'); // a real RSA key, just not Google's
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({
      email: alice.email,
      email_verified: true,
      hd: 'demo.example',
      azp: clientId,
    })
      .setProtectedHeader({ alg: 'RS256', kid: jwks.keys[0]!.kid, typ: 'JWT' })
      .setIssuer('https://accounts.google.com')
      .setAudience(clientId)
      .setSubject(alice.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    const answer = await call('GET', '/v1/meetings?calendarId=a&eventId=b', { token: forged });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({ code: 'unauthenticated', reason: 'invalid_token' });
  });

  it('refuses a genuine token issued for another client (wrong audience): 401', async () => {
    const otherAudience = await idTokenFor(alice.email, 'someone-else.apps.googleusercontent.com');
    const answer = await call('GET', '/v1/meetings?calendarId=a&eventId=b', { token: otherAudience });
    expect(answer.status).toBe(401);
    expect(answer.body.error.reason).toBe('invalid_token');
  });

  it('refuses a tampered token (payload changed after signing): 401', async () => {
    const [header, payload, signature] = alice.idToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = Buffer.from(JSON.stringify({ ...claims, sub: bob.sub })).toString('base64url');
    const answer = await call('GET', '/v1/meetings?calendarId=a&eventId=b', {
      token: `${header}.${tampered}.${signature}`,
    });
    expect(answer.status).toBe(401);
  });

  it('refuses an authentic account of a domain this deployment does not serve: 403, nothing appended', async () => {
    const before = await meetingEvents();
    const answer = await call('POST', '/v1/meetings', {
      token: mallory.idToken,
      body: { calendarId: mallory.email, eventId: 'abc' },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({ code: 'hosted_domain_not_allowed' });
    expect(JSON.stringify(answer.body)).not.toContain('elsewhere.example');
    expect(await meetingEvents()).toEqual(before);
  });
});

describe('adding a meeting and reading it back', () => {
  let eventId: string;
  let meetingId: string;

  it('answers 202 with a meeting id and records MeetingRequested with the calendar event details, title and invitees sealed', async () => {
    eventId = await createCalendarEvent(alice.email, 'Quarterly planning', '2027-03-01T09:00:00Z', [
      bob.email,
      'Dora@Partner.example',
    ]);
    const answer = await call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: { calendarId: alice.email, eventId },
      headers: { 'x-correlation-id': 'test-correlation-1' },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ meetingId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    meetingId = answer.body.meetingId;

    const stream = await store.readStream(`meeting-${meetingId}`);
    expect(stream).toHaveLength(1);
    expect(stream[0]!.type).toBe('MeetingRequested');
    const sealed = { $sealed: 'v1', subject: `meeting:${meetingId}`, keyId: expect.any(String) };
    expect(stream[0]!.data).toEqual({
      meetingId,
      userId: alice.sub,
      source: 'calendar',
      calendarId: alice.email,
      eventId,
      title: expect.objectContaining(sealed),
      start: '2027-03-01T09:00:00.000Z',
      end: '2027-03-01T09:30:00.000Z',
      timeZone: 'Europe/Berlin',
      invitees: expect.objectContaining(sealed),
    });
    // The stored columns (data and metadata jsonb, as read) hold no plaintext of the personal fields.
    const storedRow = JSON.stringify({ data: stream[0]!.data, metadata: stream[0]!.metadata });
    expect(storedRow).toContain('"$sealed"');
    for (const plaintext of ['Quarterly planning', 'Quarterly', bob.email, 'dora@partner.example', 'partner'])
      expect(storedRow).not.toContain(plaintext);
    const { event: opened } = await codec.decode(recordedEventToEnvelope(stream[0]!));
    expect(opened.data).toMatchObject({
      title: 'Quarterly planning',
      invitees: [{ email: bob.email }, { email: 'dora@partner.example' }],
    });
    expect(stream[0]!.metadata).toMatchObject({
      tenantId: 'demo.example',
      correlationId: 'test-correlation-1',
    });
  });

  it('serves the meeting as requested, by id and by calendar event, right after the 202', async () => {
    const byId = await call('GET', `/v1/meetings/${meetingId}`, { token: alice.idToken });
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({
      meetingId,
      status: 'requested',
      calendarId: alice.email,
      eventId,
      title: 'Quarterly planning',
      start: '2027-03-01T09:00:00.000Z',
      timeZone: 'Europe/Berlin',
    });
    expect(byId.body).not.toHaveProperty('userId');
    const byEvent = await call(
      'GET',
      `/v1/meetings?calendarId=${encodeURIComponent(alice.email)}&eventId=${eventId}`,
      { token: alice.idToken },
    );
    expect(byEvent.status).toBe(200);
    expect(byEvent.body.meetings.map((meeting: { meetingId: string }) => meeting.meetingId)).toEqual([
      meetingId,
    ]);
  });

  it('shows attached with the join link once the bridge scheduled it and ingest attached it', async () => {
    await appendToMeeting(meetingId, [
      createEvent(MeetingScheduled, {
        streamId: `meeting-${meetingId}`,
        tenantId: 'demo.example',
        data: {
          meetingId,
          webexMeetingId: 'webex-meeting-1',
          meetingNumber: '25512345678',
          siteUrl: 'demo.webex.com',
          webLink: 'https://demo.webex.com/demo/j.php?MTID=m25512345678',
          sipAddress: '25512345678@demo.webex.com',
        },
      }),
      createEvent(ConferenceAttached, {
        streamId: `meeting-${meetingId}`,
        tenantId: 'demo.example',
        data: { meetingId, calendarId: alice.email, eventId, conferenceId: '25512345678' },
      }),
    ]);
    const meeting = await eventually(async () => {
      const answer = await call('GET', `/v1/meetings/${meetingId}`, { token: alice.idToken });
      expect(answer.body.status).toBe('attached');
      return answer.body;
    });
    expect(meeting).toMatchObject({
      joinLink: 'https://demo.webex.com/demo/j.php?MTID=m25512345678',
      meetingNumber: '25512345678',
      sipAddress: '25512345678@demo.webex.com',
    });
  });

  it('refuses a second meeting on the same event: 409 naming the existing one, nothing appended', async () => {
    const before = await meetingEvents();
    const answer = await call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: { calendarId: alice.email, eventId },
    });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'meeting_already_exists', meetingId });
    expect(await meetingEvents()).toEqual(before);
  });

  it("refuses a second meeting on the same event asked for as 'primary': one calendar, one meeting", async () => {
    const before = await meetingEvents();
    const answer = await call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: { calendarId: 'primary', eventId },
    });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'meeting_already_exists', meetingId });
    expect(await meetingEvents()).toEqual(before);
  });

  it("hides another user's meeting: 404 by id, an empty list by event", async () => {
    const byId = await call('GET', `/v1/meetings/${meetingId}`, { token: bob.idToken });
    expect(byId.status).toBe(404);
    expect(byId.body.error).toMatchObject({ code: 'meeting_not_found', meetingId });
    const unknown = await call('GET', `/v1/meetings/${newUuidV7()}`, { token: bob.idToken });
    expect({ ...unknown.body.error, meetingId: undefined, correlationId: undefined }).toEqual({
      ...byId.body.error,
      meetingId: undefined,
      correlationId: undefined,
    });
    const byEvent = await call(
      'GET',
      `/v1/meetings?calendarId=${encodeURIComponent(alice.email)}&eventId=${eventId}`,
      { token: bob.idToken },
    );
    expect(byEvent).toMatchObject({ status: 200, body: { meetings: [] } });
  });

  it("refuses to add a meeting to another user's event Bob cannot see: 404, nothing appended", async () => {
    const privateEvent = await createCalendarEvent(alice.email, 'Alice private', '2027-03-02T09:00:00Z');
    const before = await meetingEvents();
    const answer = await call('POST', '/v1/meetings', {
      token: bob.idToken,
      body: { calendarId: alice.email, eventId: privateEvent },
    });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('calendar_event_not_found');
    expect(await meetingEvents()).toEqual(before);
  });

  it('refuses to add a meeting to an event Bob can read but Alice organises: 403, nothing appended', async () => {
    const shared = await createCalendarEvent(alice.email, 'Alice shared', '2027-03-03T09:00:00Z');
    await control(`/google/calendars/${encodeURIComponent(alice.email)}/share`, {
      email: bob.email,
      role: 'reader',
    });
    const before = await meetingEvents();
    const answer = await call('POST', '/v1/meetings', {
      token: bob.idToken,
      body: { calendarId: alice.email, eventId: shared },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('not_event_organizer');
    expect(await meetingEvents()).toEqual(before);
  });

  it('answers 404 for an event that does not exist and 409 when the Google account is not connected', async () => {
    const before = await meetingEvents();
    const missing = await call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: { calendarId: alice.email, eventId: 'doesnotexist0123' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('calendar_event_not_found');
    const notConnected = await call('POST', '/v1/meetings', {
      token: carol.idToken,
      body: { calendarId: carol.email, eventId: 'anything0123' },
    });
    expect(notConnected.status).toBe(409);
    expect(notConnected.body.error.code).toBe('google_account_not_connected');
    expect(await meetingEvents()).toEqual(before);
  });

  it('takes exactly one of two simultaneous requests for the same event', async () => {
    const racedEvent = await createCalendarEvent(alice.email, 'Raced', '2027-03-04T09:00:00Z');
    // A slow Google read keeps both requests past the read-model check before either appends.
    await control('/faults', {
      method: 'GET',
      pathPrefix: `/calendar/v3/calendars/${encodeURIComponent(alice.email)}/events/${racedEvent}`,
      latencyMs: 300,
      times: 2,
    });
    const request = () =>
      call('POST', '/v1/meetings', {
        token: alice.idToken,
        body: { calendarId: alice.email, eventId: racedEvent },
      });
    const answers = await Promise.all([request(), request()]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409]);
    expect(await requestedOn(racedEvent)).toHaveLength(1);
  });

  it('redacts the title and join link once the meeting data is purged, and allows a new meeting', async () => {
    await appendToMeeting(meetingId, [
      createEvent(MeetingEnded, {
        streamId: `meeting-${meetingId}`,
        tenantId: 'demo.example',
        data: { meetingId, endedAt: '2027-03-01T09:30:00Z', source: 'scheduled-end' },
      }),
      createEvent(MeetingDataPurged, {
        streamId: `meeting-${meetingId}`,
        tenantId: 'demo.example',
        data: { meetingId, purgedAt: '2027-03-01T09:30:01Z', retentionAfterEndSeconds: 0 },
      }),
    ]);
    const purged = await eventually(async () => {
      const answer = await call('GET', `/v1/meetings/${meetingId}`, { token: alice.idToken });
      expect(answer.body.status).toBe('purged');
      return answer.body;
    });
    for (const field of ['title', 'joinLink', 'meetingNumber', 'sipAddress'])
      expect(purged).not.toHaveProperty(field);
    const again = await call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: { calendarId: alice.email, eventId },
    });
    expect(again.status).toBe(202);
    expect(again.body.meetingId).not.toBe(meetingId);
  });
});

/**
 * appendToMeeting, again on a conflict: the bridge keeps recording its deferred attempts
 * (Webex is unavailable here) on the same streams.
 */
const appendWhileTheBridgeWorks = (meetingId: string, events: EventEnvelope[]) =>
  eventually(() => appendToMeeting(meetingId, events));

describe('cancelling a meeting', () => {
  let meetingId: string;

  /** A meeting of Alice's on a new event (Webex stays unavailable, so it stays requested). */
  async function requestedMeeting(summary: string): Promise<{ eventId: string; meetingId: string }> {
    const created = await createCalendarEvent(alice.email, summary, '2027-04-01T09:00:00Z', [bob.email]);
    const answer = await call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: { calendarId: alice.email, eventId: created },
    });
    expect(answer.status).toBe(202);
    return { eventId: created, meetingId: answer.body.meetingId };
  }

  const cancellationsOf = async (id: string) =>
    (await meetingEvents()).filter(
      (event) => event.type === 'MeetingCancellationRequested' && event.data.meetingId === id,
    );

  it('answers 202 and records the user’s cancellation as the desired state; a repeat answers the same and records nothing more', async () => {
    ({ meetingId } = await requestedMeeting('Cancel me'));
    const first = await call('DELETE', `/v1/meetings/${meetingId}`, { token: alice.idToken });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ meetingId });
    expect((await cancellationsOf(meetingId)).map((event) => event.data)).toEqual([
      { meetingId, reason: 'user-request' },
    ]);
    const again = await call('DELETE', `/v1/meetings/${meetingId}`, { token: alice.idToken });
    expect({ status: again.status, body: again.body }).toEqual({ status: 202, body: { meetingId } });
    expect(await cancellationsOf(meetingId)).toHaveLength(1);
    // Read-your-writes: the read model shows the change being applied.
    const view = await call('GET', `/v1/meetings/${meetingId}`, { token: alice.idToken });
    expect(view.body.sync).toMatchObject({ status: 'pending', changePending: true });
  });

  it("answers 404 for another user's meeting, as for an unknown one, and 400 for a malformed id; nothing recorded", async () => {
    const before = (await meetingEvents()).filter((event) => event.type === 'MeetingCancellationRequested');
    const others = await call('DELETE', `/v1/meetings/${meetingId}`, { token: bob.idToken });
    expect(others.status).toBe(404);
    expect(others.body.error).toMatchObject({ code: 'meeting_not_found', meetingId });
    const unknown = await call('DELETE', `/v1/meetings/${newUuidV7()}`, { token: alice.idToken });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('meeting_not_found');
    const malformed = await call('DELETE', '/v1/meetings/not-a-meeting', { token: alice.idToken });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 'invalid_request', fields: [{ path: 'id' }] });
    expect((await meetingEvents()).filter((event) => event.type === 'MeetingCancellationRequested')).toEqual(
      before,
    );
  });

  it('answers 409 meeting_finished for an ended meeting and for a purged one', async () => {
    const ended = await requestedMeeting('Ends before it is cancelled');
    await appendWhileTheBridgeWorks(ended.meetingId, [
      createEvent(MeetingEnded, {
        streamId: `meeting-${ended.meetingId}`,
        tenantId: 'demo.example',
        data: { meetingId: ended.meetingId, endedAt: '2027-04-01T09:30:00Z', source: 'scheduled-end' },
      }),
    ]);
    const answer = await call('DELETE', `/v1/meetings/${ended.meetingId}`, { token: alice.idToken });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({
      code: 'meeting_finished',
      meetingId: ended.meetingId,
      status: 'ended',
      correlationId: expect.any(String),
    });
    await appendWhileTheBridgeWorks(ended.meetingId, [
      createEvent(MeetingDataPurged, {
        streamId: `meeting-${ended.meetingId}`,
        tenantId: 'demo.example',
        data: { meetingId: ended.meetingId, purgedAt: '2027-04-01T09:30:01Z', retentionAfterEndSeconds: 0 },
      }),
    ]);
    const purged = await call('DELETE', `/v1/meetings/${ended.meetingId}`, { token: alice.idToken });
    expect(purged.status).toBe(409);
    expect(purged.body.error).toMatchObject({ code: 'meeting_finished', status: 'purged' });
    expect(await cancellationsOf(ended.meetingId)).toEqual([]);
  });
});

describe('retrying a failed meeting', () => {
  const failedMeeting = async (summary: string) => {
    const eventId = await createCalendarEvent(alice.email, summary, '2027-05-01T09:00:00Z');
    const answer = await call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: { calendarId: alice.email, eventId },
    });
    const meetingId: string = answer.body.meetingId;
    await appendWhileTheBridgeWorks(meetingId, [
      createEvent(MeetingSchedulingFailed, {
        streamId: `meeting-${meetingId}`,
        tenantId: 'demo.example',
        data: { meetingId, reason: 'webex-rejected', message: 'Webex refused it', retryable: false },
      }),
    ]);
    await eventually(async () => {
      const view = await call('GET', `/v1/meetings/${meetingId}`, { token: alice.idToken });
      expect(view.body.status).toBe('failed');
    });
    return { eventId, meetingId };
  };

  const retriesOf = async (id: string) =>
    (await meetingEvents()).filter(
      (event) => event.type === 'MeetingRetryRequested' && event.data.meetingId === id,
    );

  it('answers 202 and makes the meeting requested again (MeetingRetryRequested); a second retry is 409', async () => {
    const { meetingId } = await failedMeeting('Failed once');
    const answer = await call('POST', `/v1/meetings/${meetingId}/retry`, { token: alice.idToken });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ meetingId });
    expect(await retriesOf(meetingId)).toHaveLength(1);
    const view = await call('GET', `/v1/meetings/${meetingId}`, { token: alice.idToken });
    expect(view.body).toMatchObject({ status: 'requested', sync: { status: 'pending' } });
    expect(view.body).not.toHaveProperty('failure');
    const again = await call('POST', `/v1/meetings/${meetingId}/retry`, { token: alice.idToken });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'meeting_not_failed', meetingId, status: 'requested' });
    expect(await retriesOf(meetingId)).toHaveLength(1);
  });

  it("answers 404 for another user's failed meeting, recording nothing", async () => {
    const { meetingId } = await failedMeeting('Not Bob’s to retry');
    const answer = await call('POST', `/v1/meetings/${meetingId}/retry`, { token: bob.idToken });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 'meeting_not_found', meetingId });
    expect(await retriesOf(meetingId)).toEqual([]);
  });

  it('refuses a failed meeting whose event has a newer active meeting: 409 naming it, nothing recorded', async () => {
    const { eventId, meetingId } = await failedMeeting('Replaced after failing');
    const newer = await call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: { calendarId: alice.email, eventId },
    });
    expect(newer.status).toBe(202);
    const answer = await call('POST', `/v1/meetings/${meetingId}/retry`, { token: alice.idToken });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({
      code: 'meeting_already_exists',
      meetingId: newer.body.meetingId,
    });
    expect(await retriesOf(meetingId)).toEqual([]);
  });
});

describe('a meeting from a Gmail message', () => {
  const message = { messageId: '18c2f0a1b2c3d4e5', messageToken: 'per-message-token' };

  it('answers 400 naming every bad field, without asking google-ingest', async () => {
    const answer = await call('POST', '/v1/meetings/from-gmail', {
      token: alice.idToken,
      body: {
        messageId: 'has spaces',
        start: '2027-06-01T10:00:00Z',
        end: '2027-06-01T09:00:00Z',
        extra: true,
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
    expect(answer.body.error.fields.map((field: { path: string }) => field.path).sort()).toEqual([
      'extra',
      'messageId',
      'messageToken',
    ]);
    const backwards = await call('POST', '/v1/meetings/from-gmail', {
      token: alice.idToken,
      body: { ...message, start: '2027-06-01T10:00:00Z', end: '2027-06-01T09:00:00Z' },
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.fields).toEqual([{ path: 'end', message: 'must be after start' }]);
  });

  it('answers 400 for a message token no HTTP header can carry (google-ingest threw on it: a 502, found by fuzzing)', async () => {
    for (const messageToken of ['token\u2603', 'two\nlines', 'with space']) {
      const answer = await call('POST', '/v1/meetings/from-gmail', {
        token: alice.idToken,
        body: { ...message, messageToken, start: '2027-06-01T09:00:00Z', end: '2027-06-01T09:30:00Z' },
      });
      expect([answer.status, answer.body.error.fields]).toEqual([
        400,
        [{ path: 'messageToken', message: 'must be visible ASCII characters (an access token)' }],
      ]);
    }
  });

  it('answers 400 for a time Calendar and Webex cannot hold: centuries ago, an offset beyond ±14:00, over ten years ahead', async () => {
    const refusal = 'must be between 1970 and ten years from now, with a UTC offset within ±14:00';
    const farAhead = new Date(Date.now() + 11 * 365 * 24 * 60 * 60 * 1000).toISOString();
    for (const [start, end, path] of [
      ['0838-12-03T14:55:39-19:05', '2026-12-03T17:35:59.702Z', 'start'],
      ['2027-06-01T09:00:00+14:30', '2027-06-01T09:30:00Z', 'start'],
      ['2027-06-01T09:00:00Z', farAhead, 'end'],
    ] as const) {
      const answer = await call('POST', '/v1/meetings/from-gmail', {
        token: alice.idToken,
        body: { ...message, start, end },
      });
      expect([answer.status, answer.body.error.fields]).toEqual([400, [{ path, message: refusal }]]);
    }
  });

  it('answers 503 in the one error format when google-ingest, which holds the Google tokens, does not answer', async () => {
    const before = await meetingEvents();
    const answer = await call('POST', '/v1/meetings/from-gmail', {
      token: alice.idToken,
      body: { ...message, start: '2027-06-01T09:00:00Z', end: '2027-06-01T09:30:00Z' },
    });
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({
      code: 'service_unavailable',
      operation: 'the calendar event from the Gmail message',
    });
    expect(JSON.stringify(answer.body)).not.toContain(message.messageToken);
    expect(await meetingEvents()).toEqual(before);
  });

  it('needs authentication', async () => {
    const answer = await call('POST', '/v1/meetings/from-gmail', {
      body: { ...message, start: '2027-06-01T09:00:00Z', end: '2027-06-01T09:30:00Z' },
    });
    expect(answer.status).toBe(401);
  });
});

describe('one active meeting per calendar event across gateway replicas', () => {
  let replica: INestApplication;
  let replicaUrl: string;
  let readModels: PostgresReadModelStore;

  beforeAll(async () => {
    // A second gateway process: its own module, pools and projection runner, the same stores.
    ({ app: replica, url: replicaUrl } = await startGateway(config));
    readModels = await PostgresReadModelStore.connect({ connectionString: schema.connectionString });
  });
  afterAll(async () => {
    await replica?.close();
    await readModels?.close();
  });

  const add = (eventId: string, replicaBaseUrl?: string) =>
    call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: { calendarId: alice.email, eventId },
      ...(replicaBaseUrl ? { baseUrl: replicaBaseUrl } : {}),
    });

  it('appends exactly one MeetingRequested when two replicas race; the other answers 409 naming it', async () => {
    for (let round = 0; round < 3; round++) {
      const raced = await createCalendarEvent(alice.email, `Replicated ${round}`, '2027-04-01T09:00:00Z');
      // A slow Google read keeps both requests past every check before either claims.
      await control('/faults', {
        method: 'GET',
        pathPrefix: `/calendar/v3/calendars/${encodeURIComponent(alice.email)}/events/${raced}`,
        latencyMs: 300,
        times: 2,
      });
      const answers = await Promise.all([add(raced), add(raced, replicaUrl)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409]);
      const accepted = answers.find((answer) => answer.status === 202)!;
      const refused = answers.find((answer) => answer.status === 409)!;
      expect(refused.body.error).toMatchObject({
        code: 'meeting_already_exists',
        meetingId: accepted.body.meetingId,
      });
      const requested = await requestedOn(raced);
      expect(requested.map((event) => event.data.meetingId)).toEqual([accepted.body.meetingId]);
      // Each replica serves it, with the title opened from the sealed event.
      for (const replicaBaseUrl of [baseUrl, replicaUrl]) {
        const shown = await eventually(async () => {
          const answer = await call('GET', `/v1/meetings/${accepted.body.meetingId}`, {
            token: alice.idToken,
            baseUrl: replicaBaseUrl,
          });
          expect(answer.status).toBe(200);
          return answer.body;
        });
        expect(shown).toMatchObject({ status: 'requested', title: `Replicated ${round}` });
      }
      // A later request on either replica is refused too.
      expect((await add(raced, replicaUrl)).status).toBe(409);
    }
  });

  it('completes a claim whose MeetingRequested was never appended (a crash between claim and append)', async () => {
    const eventId = await createCalendarEvent(alice.email, 'Crashed before append', '2027-04-02T09:00:00Z');
    const claimedMeetingId = newUuidV7();
    const claims = await readModels.collection(meetingClaimsCollection);
    const claimId = claimIdOf({
      tenantId: 'demo.example',
      userId: alice.sub,
      calendarId: alice.email,
      eventId,
    });
    await claims.upsert(
      claimId,
      { meetingId: claimedMeetingId, state: 'claimed', claimedAt: new Date().toISOString() },
      { expectedVersion: 'absent' },
    );
    // The claim names no calendar, event or user: only a digest and the meeting id.
    expect(JSON.stringify(await claims.get(claimId))).not.toMatch(/alice|demo\.example/);

    const retried = await add(eventId, replicaUrl);
    expect(retried).toMatchObject({ status: 202, body: { meetingId: claimedMeetingId } });
    expect((await requestedOn(eventId)).map((event) => event.streamId)).toEqual([
      `meeting-${claimedMeetingId}`,
    ]);
    expect((await claims.get(claimId))?.document).toMatchObject({
      meetingId: claimedMeetingId,
      state: 'requested',
    });
    expect((await add(eventId)).body.error).toMatchObject({ meetingId: claimedMeetingId });
  });
});

describe('when webex-bridge does not answer', () => {
  let unanswered: INestApplication;
  let unansweredUrl: string;
  let readModels: PostgresReadModelStore;

  beforeAll(async () => {
    // A replica whose commands go where no webex-bridge listens: the bridge is down, for it.
    ({ app: unanswered, url: unansweredUrl } = await startGateway({
      ...config,
      BUS_PREFIX: uniqueName('gateway_unanswered'),
    }));
    readModels = await PostgresReadModelStore.connect({ connectionString: schema.connectionString });
  });
  afterAll(async () => {
    await unanswered?.close();
    await readModels?.close();
  });

  it('answers 503 in the one error format, appends nothing, and the same request completes later', async () => {
    const eventId = await createCalendarEvent(alice.email, 'Bridge down', '2027-06-01T09:00:00Z');
    const target = { calendarId: alice.email, eventId };
    const before = await meetingEvents();
    const answer = await call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: target,
      baseUrl: unansweredUrl,
    });
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({
      error: {
        code: 'service_unavailable',
        operation: 'the meeting request',
        message: expect.any(String),
        correlationId: answer.headers.get('x-correlation-id'),
      },
    });
    expect(await meetingEvents()).toEqual(before);
    // The claim is left as a crash would leave it: the next request completes it.
    const claims = await readModels.collection(meetingClaimsCollection);
    const claim = await claims.get(claimIdOf({ tenantId: 'demo.example', userId: alice.sub, ...target }));
    expect(claim?.document).toMatchObject({ state: 'claimed' });

    const retried = await call('POST', '/v1/meetings', { token: alice.idToken, body: target });
    expect(retried).toMatchObject({ status: 202, body: { meetingId: claim!.document.meetingId } });
    expect((await requestedOn(eventId)).map((event) => event.streamId)).toEqual([
      `meeting-${claim!.document.meetingId}`,
    ]);
  });
});

describe('sealed personal data in the meetings read model', () => {
  it('opens titles on a rebuild, and shows none for a meeting whose key was forgotten', async () => {
    const kept = await call('POST', '/v1/meetings', {
      token: bob.idToken,
      body: {
        calendarId: bob.email,
        eventId: await createCalendarEvent(bob.email, 'Offsite', '2027-05-01T09:00:00Z'),
      },
    });
    const forgotten = await call('POST', '/v1/meetings', {
      token: bob.idToken,
      body: {
        calendarId: bob.email,
        eventId: await createCalendarEvent(bob.email, 'Board review', '2027-05-02T09:00:00Z'),
      },
    });
    expect([kept.status, forgotten.status]).toEqual([202, 202]);
    await app.get(SecretBox).keys.forget(meetingSubject(forgotten.body.meetingId));

    const rebuildSchema = await isolatedSchema('gateway_rebuild');
    const readModels = await PostgresReadModelStore.connect({
      connectionString: rebuildSchema.connectionString,
    });
    try {
      const runner = new ProjectionRunner<MeetingView>({
        eventStore: store,
        store: readModels,
        projection: meetingsProjection,
        open: sealedEventOpener({ codec }),
      });
      const report = await runner.rebuild();
      expect(report.events).toBe((await meetingEvents()).length);
      const meetings = await readModels.collection(meetingsProjection.collection);
      expect((await meetings.get(kept.body.meetingId))?.document).toMatchObject({
        status: 'requested',
        title: 'Offsite',
      });
      const redacted = (await meetings.get(forgotten.body.meetingId))?.document;
      expect(redacted).toMatchObject({ status: 'requested', start: '2027-05-02T09:00:00.000Z' });
      expect(redacted).not.toHaveProperty('title');
      // The codec itself marks the value; the projection never takes the marker for a title.
      const [stored] = await store.readStream(`meeting-${forgotten.body.meetingId}`);
      const decoded = await codec.decode(recordedEventToEnvelope(stored!));
      expect(decoded.redacted).toEqual(expect.arrayContaining(['data.title', 'data.invitees']));
      expect(isRedacted((decoded.event.data as { title?: unknown }).title)).toBe(true);
    } finally {
      await readModels.close();
      await rebuildSchema.drop();
    }
  });

  it('passes a page with nothing sealed through untouched', async () => {
    const unsealed = (await meetingEvents()).filter((event) => event.type === 'MeetingScheduled');
    expect(unsealed.length).toBeGreaterThan(0);
    expect(JSON.stringify(unsealed.map((event) => event.data))).not.toContain('$sealed');
    const open = sealedEventOpener({ codec });
    expect(await open(unsealed)).toBe(unsealed);
  });
});

describe('input validation', () => {
  it('answers 400 naming every bad field of the body, and appends nothing', async () => {
    const before = await meetingEvents();
    const answer = await call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: { calendarId: '', eventId: 'not an event id!', colour: 'red' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
    expect(answer.body.error.fields.map((field: { path: string }) => field.path).sort()).toEqual([
      'calendarId',
      'colour',
      'eventId',
    ]);
    expect(await meetingEvents()).toEqual(before);
  });

  it('names missing fields as required, and refuses a body that is not JSON', async () => {
    const empty = await call('POST', '/v1/meetings', { token: alice.idToken, body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.fields).toEqual([
      { path: 'calendarId', message: 'is required' },
      { path: 'eventId', message: 'is required' },
    ]);
    const broken = await call('POST', '/v1/meetings', { token: alice.idToken, rawBody: '{"calendarId": ' });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatchObject({ code: 'invalid_request', fields: [{ path: '(body)' }] });
    expect(JSON.stringify(broken.body)).not.toMatch(/at .*\.js|SyntaxError/);
  });

  it('answers 400 for a malformed meeting id or a query without the event, and 404 in our format for unknown routes', async () => {
    const badId = await call('GET', '/v1/meetings/not-a-uuid', { token: alice.idToken });
    expect(badId.status).toBe(400);
    expect(badId.body.error.fields).toEqual([{ path: 'id', message: 'must be a UUIDv7' }]);
    const noQuery = await call('GET', '/v1/meetings', { token: alice.idToken });
    expect(noQuery.status).toBe(400);
    expect(noQuery.body.error.fields.map((field: { path: string }) => field.path)).toEqual([
      'calendarId',
      'eventId',
    ]);
    const unknown = await call('GET', '/v1/nothing-here', { token: alice.idToken });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  it('answers 405 with Allow for a method a known path does not serve, 404 for an unknown path', async () => {
    const trace = await call('DELETE', '/v1/meetings', { token: alice.idToken });
    expect([trace.status, trace.headers.get('allow'), trace.body.error.code]).toEqual([
      405,
      'GET, POST, HEAD',
      'method_not_allowed',
    ]);
    const byId = await call('PUT', `/v1/meetings/${newUuidV7()}`, { token: alice.idToken });
    expect([byId.status, byId.headers.get('allow')]).toEqual([405, 'DELETE, GET, HEAD']);
    // A concrete path is not the templated one beside it (found by fuzzing).
    const fromGmail = await call('PUT', '/v1/meetings/from-gmail', { token: alice.idToken });
    expect([fromGmail.status, fromGmail.headers.get('allow')]).toEqual([405, 'POST']);
    // Express would hand these to GET/DELETE /v1/meetings/:id, which answered 400 for the id.
    for (const method of ['GET', 'DELETE'] as const) {
      const concrete = await call(method, '/v1/meetings/from-gmail', { token: alice.idToken });
      expect([concrete.status, concrete.headers.get('allow'), concrete.body.error.code]).toEqual([
        405,
        'POST',
        'method_not_allowed',
      ]);
    }
    expect((await call('DELETE', '/v1/nothing-here', { token: alice.idToken })).status).toBe(404);
  });

  it('refuses a calendar id with control characters (a NUL reached PostgreSQL as a 500, found by fuzzing)', async () => {
    const query = await call('GET', '/v1/meetings?calendarId=a%00b&eventId=abc', { token: alice.idToken });
    expect([query.status, query.body.error.fields]).toEqual([
      400,
      [{ path: 'calendarId', message: 'must not contain control characters' }],
    ]);
    const before = await meetingEvents();
    const body = await call('POST', '/v1/meetings', {
      token: alice.idToken,
      body: { calendarId: 'primary\u0000', eventId: 'abc' },
    });
    expect([body.status, body.body.error.code]).toEqual([400, 'invalid_request']);
    expect(await meetingEvents()).toEqual(before);
  });
});

describe('OAuth', () => {
  it('Google: start redirects to the consent page with a signed state, a PKCE challenge and a flow cookie; the callback hands the code and verifier to google-ingest, once', async () => {
    const start = await fetch(
      `${baseUrl}/v1/oauth/google/start?returnTo=${encodeURIComponent(`${publicBaseUrl}/settings`)}`,
      {
        redirect: 'manual',
        headers: { authorization: `Bearer ${alice.idToken}` },
      },
    );
    expect(start.status).toBe(302);
    const setCookie = start.headers.getSetCookie();
    expect(setCookie).toHaveLength(1);
    // HttpOnly, SameSite=Lax, Secure (the public base URL is https), on the provider's OAuth path, short-lived.
    expect(setCookie[0]).toMatch(/^scheduler_oauth_google=[A-Za-z0-9_-]{43}; /);
    expect(setCookie[0]).toContain('Max-Age=600');
    expect(setCookie[0]).toContain('Path=/addon/v1/oauth/google/');
    expect(setCookie[0]).toContain('HttpOnly');
    expect(setCookie[0]).toContain('Secure');
    expect(setCookie[0]).toContain('SameSite=Lax');
    const cookie = setCookie[0]!.split(';')[0]!;
    const consent = new URL(start.headers.get('location')!);
    expect(consent.searchParams.get('code_challenge_method')).toBe('S256');
    const challenge = consent.searchParams.get('code_challenge')!;
    expect(`${consent.origin}${consent.pathname}`).toBe(`${emulator.url}/o/oauth2/v2/auth`);
    expect(consent.searchParams.get('client_id')).toBe(clientId);
    expect(consent.searchParams.get('access_type')).toBe('offline');
    expect(consent.searchParams.get('prompt')).toBe('consent');
    expect(consent.searchParams.get('redirect_uri')).toBe(`${publicBaseUrl}/v1/oauth/google/callback`);
    expect(consent.searchParams.get('scope')!.split(' ')).toEqual([
      'openid',
      'email',
      'profile',
      'https://www.googleapis.com/auth/calendar.events',
      'https://www.googleapis.com/auth/calendar.readonly',
      'https://www.googleapis.com/auth/admin.directory.user.readonly',
      'https://www.googleapis.com/auth/gmail.addons.current.message.metadata',
    ]);

    // The emulator plays Google: consent, then the redirect back with code and state.
    const granted = await fetch(consent, { redirect: 'manual' });
    expect(granted.status).toBe(302);
    const back = new URL(granted.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(`${publicBaseUrl}/v1/oauth/google/callback`);

    // Another browser (no flow cookie) cannot complete it, and does not spend it.
    const elsewhere = await call('GET', `/v1/oauth/google/callback${back.search}`);
    expect([elsewhere.status, elsewhere.body.error.code, elsewhere.body.error.reason]).toEqual([
      400,
      'invalid_oauth_state',
      'browser_mismatch',
    ]);
    const forgedCookie = await call('GET', `/v1/oauth/google/callback${back.search}`, {
      headers: { cookie: `scheduler_oauth_google=${'A'.repeat(43)}` },
    });
    expect(forgedCookie.body.error.reason).toBe('browser_mismatch');
    expect(handoff.googleCodes).toHaveLength(0);

    const callback = await fetch(`${baseUrl}/v1/oauth/google/callback${back.search}`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe(`${publicBaseUrl}/settings?connected=google`);
    // The flow cookie is cleared.
    expect(callback.headers.getSetCookie()[0]).toMatch(
      /^scheduler_oauth_google=; .*Expires=Thu, 01 Jan 1970/,
    );
    expect(handoff.googleCodes).toHaveLength(1);
    const [handed] = handoff.googleCodes;
    expect(handed).toMatchObject({
      tenantId: 'demo.example',
      userId: alice.sub,
      code: back.searchParams.get('code'),
      redirectUri: `${publicBaseUrl}/v1/oauth/google/callback`,
    });
    // The verifier stayed on the gateway's side; the challenge sent was its S256.
    expect(codeChallengeOf(handed!.codeVerifier)).toBe(challenge);
    expect(consent.toString()).not.toContain(handed!.codeVerifier);

    // The same callback again (a replay, even from the same browser) is refused and hands nothing off.
    const replayed = await call('GET', `/v1/oauth/google/callback${back.search}`, { headers: { cookie } });
    expect([replayed.status, replayed.body.error.code, replayed.body.error.reason]).toEqual([
      400,
      'invalid_oauth_state',
      'replayed',
    ]);
    expect(handoff.googleCodes).toHaveLength(1);

    // The code is real, and bound to the challenge: only the handed verifier redeems it.
    const ingest = new GoogleOAuth({
      clientId,
      clientSecret,
      redirectUri: handed!.redirectUri,
      endpoints: emulator.endpoints,
    });
    expect((await ingest.exchangeCode(handed!.code, handed!.codeVerifier)).refreshToken).toEqual(
      expect.any(String),
    );
  });

  it('Google: a refusal by google-ingest is a typed error, not a redirect', async () => {
    const start = await fetch(`${baseUrl}/v1/oauth/google/start`, {
      redirect: 'manual',
      headers: { authorization: `Bearer ${alice.idToken}` },
    });
    const cookie = start.headers.getSetCookie()[0]!.split(';')[0]!;
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    handoff.refuseNext = 'user-mismatch';
    const refused = await call('GET', `/v1/oauth/google/callback?code=c&state=${encodeURIComponent(state)}`, {
      headers: { cookie },
    });
    expect([refused.status, refused.body.error.code, refused.body.error.provider]).toEqual([
      403,
      'google_account_mismatch',
      'google',
    ]);
  });

  it('Google: an unauthenticated start needs a served domain and a return URL under the public base URL', async () => {
    const noDomain = await call('GET', '/v1/oauth/google/start');
    expect(noDomain.status).toBe(400);
    expect(noDomain.body.error.fields).toEqual([{ path: 'domain', message: expect.any(String) }]);
    const foreign = await call('GET', '/v1/oauth/google/start?domain=elsewhere.example');
    expect(foreign.status).toBe(400);
    const openRedirect = await call(
      'GET',
      `/v1/oauth/google/start?domain=demo.example&returnTo=${encodeURIComponent('https://evil.example/addon')}`,
    );
    expect(openRedirect.status).toBe(400);
    expect(openRedirect.body.error.fields).toEqual([{ path: 'returnTo', message: expect.any(String) }]);
    const ok = await call('GET', '/v1/oauth/google/start?domain=demo.example');
    expect(ok.status).toBe(302);
  });

  it('refuses forged, expired, missing and cross-provider states with 400 and never hands off', async () => {
    const handedBefore = handoff.googleCodes.length + handoff.webexCodes.length;
    const signer = new OAuthStateSigner(stateSecret);
    const good = signer.sign({ provider: 'google', tenantId: 'demo.example', userId: alice.sub });
    const [payload, signature] = good.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `${Buffer.from(JSON.stringify({ ...claims, userId: bob.sub })).toString('base64url')}.${signature}`;
    const otherSecret = new OAuthStateSigner('another-secret-that-is-32-bytes-long!!').sign({
      provider: 'google',
      tenantId: 'demo.example',
    });
    const expired = new OAuthStateSigner(stateSecret, { now: () => Date.now() - 11 * 60_000 }).sign({
      provider: 'google',
      tenantId: 'demo.example',
    });
    const cases: Array<[string, string, string]> = [
      ['google', tampered, 'bad_signature'],
      ['google', otherSecret, 'bad_signature'],
      ['google', expired, 'expired'],
      ['google', 'garbage', 'malformed'],
      ['webex', good, 'wrong_provider'],
    ];
    for (const [provider, state, reason] of cases) {
      const answer = await call(
        'GET',
        `/v1/oauth/${provider}/callback?code=some-code&state=${encodeURIComponent(state)}`,
      );
      expect([provider, reason, answer.status, answer.body.error.code, answer.body.error.reason]).toEqual([
        provider,
        reason,
        400,
        'invalid_oauth_state',
        reason,
      ]);
    }
    const missing = await call('GET', '/v1/oauth/google/callback?code=some-code');
    expect(missing.body.error).toMatchObject({ code: 'invalid_oauth_state', reason: 'missing' });
    expect(handoff.googleCodes.length + handoff.webexCodes.length).toBe(handedBefore);
  });

  it('Webex: start is authenticated and binds the state to the user and this browser; the callback hands code, verifier and Google email to webex-bridge', async () => {
    expect((await call('POST', '/v1/oauth/webex/start', { body: {} })).status).toBe(401);
    const webexStart = async () => {
      const start = await call('POST', '/v1/oauth/webex/start', { token: alice.idToken, body: {} });
      expect(start.status).toBe(200);
      const cookie = start.headers.getSetCookie()[0]!;
      expect(cookie).toMatch(
        /^scheduler_oauth_webex=.*; Path=\/addon\/v1\/oauth\/webex\/; .*HttpOnly; Secure; SameSite=Lax$/,
      );
      const authorize = new URL(start.body.authorizationUrl);
      return { authorize, state: authorize.searchParams.get('state')!, cookie: cookie.split(';')[0]! };
    };
    const first = await webexStart();
    expect(`${first.authorize.origin}${first.authorize.pathname}`).toBe('https://webex.example/v1/authorize');
    expect(first.authorize.searchParams.get('client_id')).toBe('scheduler-test-webex-client');
    expect(first.authorize.searchParams.get('redirect_uri')).toBe(`${publicBaseUrl}/v1/oauth/webex/callback`);
    expect(first.authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(first.authorize.searchParams.get('scope')!.split(' ')).toEqual([
      'meeting:schedules_read',
      'meeting:schedules_write',
      'meeting:preferences_read',
      'spark:people_read',
    ]);
    // The Google email travels in no URL.
    expect(first.authorize.toString()).not.toContain(encodeURIComponent(alice.email));

    // A Google state is no Webex state, and the Webex state does not open the Google callback.
    const crossed = await call(
      'GET',
      `/v1/oauth/google/callback?code=c&state=${encodeURIComponent(first.state)}`,
    );
    expect(crossed.body.error.reason).toBe('wrong_provider');

    const denied = await fetch(
      `${baseUrl}/v1/oauth/webex/callback?error=access_denied&state=${encodeURIComponent(first.state)}`,
      { redirect: 'manual', headers: { cookie: first.cookie } },
    );
    expect(denied.status).toBe(303);
    expect(denied.headers.get('location')).toBe(`${publicBaseUrl}/?provider=webex&error=access_denied`);
    expect(handoff.webexCodes).toHaveLength(0);

    const second = await webexStart();
    handoff.failNext = true;
    const failed = await call(
      'GET',
      `/v1/oauth/webex/callback?code=webex-code-1&state=${encodeURIComponent(second.state)}`,
      { headers: { cookie: second.cookie } },
    );
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe('upstream_failed');
    expect(JSON.stringify(failed.body)).not.toContain('refused');

    for (const [refusal, status, code] of [
      ['email-mismatch', 403, 'webex_email_mismatch'],
      ['another-webex-account', 409, 'webex_account_already_connected'],
      ['webex-account-in-use', 409, 'webex_account_in_use'],
      ['authorization-code-rejected', 400, 'authorization_code_rejected'],
    ] as const) {
      const flow = await webexStart();
      handoff.refuseNext = refusal;
      const refused = await call(
        'GET',
        `/v1/oauth/webex/callback?code=webex-code-r&state=${encodeURIComponent(flow.state)}`,
        { headers: { cookie: flow.cookie } },
      );
      expect([refusal, refused.status, refused.body.error.code]).toEqual([refusal, status, code]);
    }
    handoff.webexCodes.length = 0;

    const third = await webexStart();
    const callback = await fetch(
      `${baseUrl}/v1/oauth/webex/callback?code=webex-code-1&state=${encodeURIComponent(third.state)}`,
      { redirect: 'manual', headers: { cookie: third.cookie } },
    );
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe(`${publicBaseUrl}/?connected=webex`);
    expect(handoff.webexCodes).toEqual([
      {
        tenantId: 'demo.example',
        userId: alice.sub,
        googleEmail: alice.email,
        code: 'webex-code-1',
        redirectUri: `${publicBaseUrl}/v1/oauth/webex/callback`,
        codeVerifier: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
        correlationId: expect.any(String),
      },
    ]);
    expect(codeChallengeOf(handoff.webexCodes[0]!.codeVerifier)).toBe(
      third.authorize.searchParams.get('code_challenge'),
    );
  });

  it('refuses an expired state even with its browser cookie', async () => {
    const shortLived = new OAuthStateSigner(stateSecret, { now: () => Date.now() - 11 * 60_000 });
    const state = shortLived.sign({ provider: 'webex', tenantId: 'demo.example', userId: alice.sub });
    const answer = await call('GET', `/v1/oauth/webex/callback?code=c&state=${encodeURIComponent(state)}`, {
      headers: { cookie: 'scheduler_oauth_webex=anything' },
    });
    expect([answer.status, answer.body.error.reason]).toEqual([400, 'expired']);
  });
});

describe('alongside the runtime', () => {
  it('leaves health answers in their own format and reports the projection in readiness', async () => {
    const ready = await call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { 'meetings-projection': { status: 'up' } } });
    const missing = await call('GET', '/health/nothing');
    expect(missing.status).toBe(404);
    expect(missing.body).not.toHaveProperty('error.code');
  });
});
