import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { firstValueFrom } from 'rxjs';
import { busNames, type JetStreamClient } from '@scheduler/bus';
import {
  AccountDisconnected,
  EndMeeting,
  ExchangeWebexAuthorizationCode,
  RequestMeeting,
  createEvent,
  newUuidV7,
  type EventEnvelope,
} from '@scheduler/contracts';
import { PersonalDataCodec, isSealedValue } from '@scheduler/crypto-shredding';
import {
  createWebexEmulator,
  developmentClient,
  type WebexEmulator,
  type WebhookDelivery,
} from '@scheduler/emulators';
import { type EventStore, envelopeToEventToAppend, recordedEventToEnvelope } from '@scheduler/event-store';
import { BUS_CLIENT, EVENT_STORE, MetricsRegistry, createServiceApp } from '@scheduler/runtime';
import {
  eventually,
  isolatedSchema,
  testInfrastructure,
  uniqueName,
  type IsolatedSchema,
} from '@scheduler/testing';
import { WebexOAuth, webexSignature } from '@scheduler/webex';
import pg from 'pg';
import { WebexBridgeModule } from '../app.module.js';
import { webexBridgeEnvironment, type WebexBridgeConfig } from '../config.js';
import { meetingStreamId } from '../meetings/meeting.decider.js';
import { webexAccountStreamId } from '../webex-accounts/webex-account.decider.js';
import { WebhookRegistrations, meetingsWebhookPath } from './webhook-registrations.js';
import { WebexWebhookReceiver } from './webex-webhook-receiver.js';
import { WebexWebhooksRepository } from './webex-webhooks.repository.js';

// The wired service with Webex's meetings webhooks: registered in the emulator when a user
// connects, and the emulator's real signed notifications posted to the service's HTTP route.
// Isolation as in app.int.spec.ts: a bus prefix, a unique service name, schemas of its own.

const tenantId = 'demo.example';
const redirectUri = 'https://scheduler.example/v1/oauth/webex/callback';
const service = uniqueName('webex_bridge_hooks').replace(/_/g, '-');
const names = busNames(uniqueName('webex_bridge_hooks'));

let emulator: WebexEmulator;
let schemas: IsolatedSchema[];
let app: INestApplication;
let store: EventStore;
let codec: PersonalDataCodec;
let privateDatabase: pg.Pool;
let baseUrl: string;
let port: number;
let config: WebexBridgeConfig;

const newUserId = () => `1${randomBytes(8).readBigUInt64BE().toString().padStart(20, '0')}`;

/** A port nobody listens on now: Webex's target URL must be known before the service starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Boots the service (again, for a restart): same name, port and databases. */
async function startApp(): Promise<void> {
  app = await createServiceApp(
    {
      service,
      environment: webexBridgeEnvironment,
      module: (validated) => WebexBridgeModule.forRoot(validated, { service }),
      consumesEvents: true,
    },
    config,
  );
  await app.startAllMicroservices();
  await app.listen(port, '127.0.0.1');
  store = app.get<EventStore>(EVENT_STORE);
  codec = app.get(PersonalDataCodec);
}

beforeAll(async () => {
  emulator = createWebexEmulator({ sweepIntervalMs: 0, webhookRetryDelaysMs: [] });
  await emulator.listen();
  schemas = await Promise.all([
    isolatedSchema('webex_hooks_events'),
    isolatedSchema('webex_hooks_private'),
    isolatedSchema('webex_hooks_keys'),
  ]);
  const [eventStoreSchema, privateSchema, keyStoreSchema] = schemas as [
    IsolatedSchema,
    IsolatedSchema,
    IsolatedSchema,
  ];
  port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  config = webexBridgeEnvironment.parse({
    HTTP_PORT: String(port),
    NATS_URL: testInfrastructure().natsUrl,
    EVENT_STORE_URL: eventStoreSchema.connectionString,
    LOG_LEVEL: 'warn',
    BUS_PREFIX: names.prefix,
    DATABASE_URL: privateSchema.connectionString,
    KEY_STORE_URL: keyStoreSchema.connectionString,
    KEY_ENCRYPTION_KEY: `test-kek:${randomBytes(32).toString('base64')}`,
    WEBEX_API_BASE_URL: `${emulator.url}/v1`,
    WEBEX_CLIENT_ID: developmentClient.clientId,
    WEBEX_CLIENT_SECRET: developmentClient.clientSecret,
    WEBEX_REDIRECT_URI: redirectUri,
    PUBLIC_WEBHOOK_BASE_URL: baseUrl,
  });
  await startApp();
  privateDatabase = new pg.Pool({ connectionString: privateSchema.connectionString, max: 2 });
}, 60_000);

afterAll(async () => {
  await privateDatabase?.end();
  await app?.close();
  const nats = await connect({ servers: testInfrastructure().natsUrl });
  try {
    const jsm = await jetstreamManager(nats);
    for (const stream of [names.eventStream, names.deadLetterStream, names.checkpointStream])
      await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nats.close();
  }
  await Promise.all((schemas ?? []).map((schema) => schema.drop()));
  await emulator?.close();
}, 60_000);

// Helpers

async function connectedUser() {
  const email = `user${randomBytes(5).toString('hex')}@example.com`;
  emulator.seedUser({
    email,
    displayName: 'Ada Lovelace',
    timezone: 'Europe/Berlin',
    sites: [{ siteUrl: 'acme.webex.com' }],
  });
  const userId = newUserId();
  const oauth = new WebexOAuth({
    baseUrl: `${emulator.url}/v1`,
    clientId: developmentClient.clientId,
    clientSecret: developmentClient.clientSecret,
    redirectUri,
  });
  const authorize = await fetch(oauth.authorizationUrl({ state: 's', loginHint: email }), {
    redirect: 'manual',
  });
  const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!;
  const client = app.get<JetStreamClient>(BUS_CLIENT);
  await firstValueFrom(
    client.send(ExchangeWebexAuthorizationCode, {
      tenantId,
      userId,
      googleEmail: email,
      code,
      redirectUri,
      codeVerifier: 'test-pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz',
      correlationId: `c-${userId}`,
    }),
  );
  const webexUserId = [...emulator.state.users.values()].find((user) => user.email === email)!.id;
  return { email, userId, webexUserId };
}

const webhooksOf = (webexUserId: string) =>
  [...emulator.state.webhooks.values()].filter((webhook) => webhook.ownerUserId === webexUserId);

async function meetingEvents(meetingId: string): Promise<EventEnvelope[]> {
  const events: EventEnvelope[] = [];
  for (const record of await store.readStream(meetingStreamId(meetingId)))
    events.push((await codec.decode(recordedEventToEnvelope(record))).event);
  return events;
}

/** A scheduled meeting of the user; returns our id and the Webex meeting's. */
async function scheduledMeeting(userId: string, email: string, recurrence?: string[]) {
  const meetingId = newUuidV7();
  const start = Math.ceil((Date.now() + 3 * 86_400_000) / 3_600_000) * 3_600_000;
  const client = app.get<JetStreamClient>(BUS_CLIENT);
  await firstValueFrom(
    client.send(RequestMeeting, {
      tenantId,
      trace: { correlationId: `request-${meetingId}`, causationId: null, traceparent: null },
      data: {
        meetingId,
        userId,
        source: 'calendar',
        calendarId: email,
        eventId: `ev${meetingId.replaceAll('-', '').slice(-12)}`,
        title: 'Design review',
        start: new Date(start).toISOString(),
        end: new Date(start + 30 * 60_000).toISOString(),
        timeZone: 'Europe/Berlin',
        invitees: [],
        ...(recurrence ? { recurrence } : {}),
      },
    }),
  );
  let webexMeetingId = '';
  await eventually(async () => {
    const scheduled = (await meetingEvents(meetingId)).find((event) => event.type === 'MeetingScheduled');
    expect(scheduled).toBeDefined();
    webexMeetingId = (scheduled!.data as { webexMeetingId: string }).webexMeetingId;
    // The link from Webex's id to ours is recorded from MeetingScheduled on the bus.
    expect(await app.get(WebexWebhooksRepository).meetingOf(webexMeetingId)).toBe(meetingId);
  }, 20_000);
  return { meetingId, webexMeetingId };
}

/** The user's Webex, as the user changes things there (not through us). */
async function asUserInWebex(email: string, method: string, path: string, body?: unknown) {
  const token = await (
    await fetch(`${emulator.url}/control/webex/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    })
  ).json();
  const answer = await fetch(`${emulator.url}/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${(token as { access_token: string }).access_token}`,
      'content-type': 'application/json',
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(answer.status).toBeLessThan(300);
}

async function deliveryOf(event: string, webexMeetingId: string): Promise<WebhookDelivery> {
  await emulator.webhooks.idle();
  const delivery = emulator.webhooks.deliveries.findLast(
    (candidate) => candidate.event === event && candidate.meetingId === webexMeetingId,
  );
  expect(delivery).toBeDefined();
  return delivery!;
}

const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}${meetingsWebhookPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

/** Notifications the service answered, by outcome, from its metrics. */
async function notificationCount(outcome: string): Promise<number> {
  const metric = await app
    .get(MetricsRegistry)
    .registry.getSingleMetric('scheduler_webex_notifications_total')
    ?.get();
  return (metric?.values ?? [])
    .filter((value) => value.labels.outcome === outcome)
    .reduce((sum, value) => sum + value.value, 0);
}

// Specifications

describe('registration', () => {
  it('registers the meetings webhooks of each connected user (one per event we act on), the secret kept sealed', async () => {
    const { userId, webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    const webhooks = webhooksOf(webexUserId);
    expect(webhooks.map((webhook) => webhook.event).sort()).toEqual(['deleted', 'ended', 'updated']);
    for (const webhook of webhooks)
      expect(webhook).toMatchObject({
        targetUrl: `${baseUrl}${meetingsWebhookPath}`,
        resource: 'meetings',
        status: 'active',
        secret: webhooks[0]!.secret,
      });
    const secret = webhooks[0]!.secret!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const { rows } = await privateDatabase.query(
      `SELECT sealed_secret FROM webex_meeting_webhooks WHERE user_id = $1`,
      [userId],
    );
    expect(isSealedValue(rows[0].sealed_secret)).toBe(true);
    expect(JSON.stringify(rows[0])).not.toContain(secret);
    const { rows: ids } = await privateDatabase.query(
      `SELECT webhook_id FROM webex_meeting_webhook_ids WHERE user_id = $1 ORDER BY webhook_id`,
      [userId],
    );
    expect(ids.map((row) => row.webhook_id)).toEqual(webhooks.map((webhook) => webhook.id).sort());
  }, 60_000);

  it('is idempotent, re-registers a webhook that is missing, and removes duplicates', async () => {
    const { userId, webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    const registrations = app.get(WebhookRegistrations);
    const ids = () =>
      webhooksOf(webexUserId)
        .map((webhook) => webhook.id)
        .sort();
    const first = ids();
    expect(await registrations.register(userId)).toBe('already-registered');
    expect(ids()).toEqual(first);

    // Gone in Webex (deleted by someone, or never stored): listed, found missing, created again.
    const ended = webhooksOf(webexUserId).find((webhook) => webhook.event === 'ended')!;
    emulator.state.webhooks.delete(ended.id);
    expect(await registrations.register(userId)).toBe('registered');
    const again = webhooksOf(webexUserId).find((webhook) => webhook.event === 'ended')!;
    expect(again.id).not.toBe(ended.id);
    expect(again.secret).toBe(ended.secret);
    expect(webhooksOf(webexUserId)).toHaveLength(3);

    // Another one at our target (a create whose answer was lost): removed.
    const second = ids();
    emulator.state.webhooks.set('stray', { ...again, id: 'stray' });
    expect(await registrations.register(userId)).toBe('already-registered');
    expect(ids()).toEqual(second);
  }, 60_000);

  it('two registrations of one user at once (connect, start, another replica) leave one webhook per event', async () => {
    const { userId, webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    for (const webhook of webhooksOf(webexUserId)) emulator.state.webhooks.delete(webhook.id);
    const registrations = app.get(WebhookRegistrations);
    const outcomes = await Promise.all([registrations.register(userId), registrations.register(userId)]);
    expect(outcomes.sort()).toEqual(['already-registered', 'registered']);
    expect(webhooksOf(webexUserId)).toHaveLength(3);
  }, 60_000);

  it('at start, every connected account is checked: a webhook gone meanwhile is registered again', async () => {
    const { webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    const [before] = webhooksOf(webexUserId);
    await app.close();
    emulator.state.webhooks.delete(before!.id);
    await startApp();
    await eventually(() => {
      const webhooks = webhooksOf(webexUserId);
      expect(webhooks.map((webhook) => webhook.event).sort()).toEqual(['deleted', 'ended', 'updated']);
    }, 20_000);
    for (const webhook of webhooksOf(webexUserId)) expect(webhook.secret).toBe(before!.secret);
  }, 60_000);

  it('deregisters when the account is disconnected', async () => {
    const { userId, webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    const disconnected = createEvent(AccountDisconnected, {
      streamId: webexAccountStreamId(userId),
      tenantId,
      data: { userId, provider: 'webex', reason: 'user-request' },
    });
    await store.append(
      disconnected.streamId,
      [envelopeToEventToAppend(await codec.encode(disconnected))],
      'any',
    );
    await eventually(async () => {
      expect(webhooksOf(webexUserId)).toHaveLength(0);
      expect(await app.get(WebexWebhooksRepository).registration(userId)).toBeUndefined();
    }, 20_000);
  }, 60_000);
});

describe('receiving Webex notifications', () => {
  it("updated in Webex: the drift check runs at once, records the change and puts the calendar's state back", async () => {
    const { email, userId, webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    const { meetingId, webexMeetingId } = await scheduledMeeting(userId, email);

    await asUserInWebex(email, 'PATCH', `/meetings/${webexMeetingId}`, { title: 'Changed in Webex' });
    const delivery = await deliveryOf('updated', webexMeetingId);
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([200]);
    await app.get(WebexWebhookReceiver).idle();
    const events = await meetingEvents(meetingId);
    expect(events.map((event) => event.type)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
      'MeetingDriftDetected',
      'MeetingUpdated',
    ]);
    expect(events[2]!.data).toMatchObject({ found: 'changed', changed: ['title'] });
    expect(emulator.state.meetings.get(webexMeetingId)!.title).toBe('Design review');

    // The same signed notification again (Webex retried it, or our own PATCH's): compared
    // again, in step, nothing recorded.
    const again = await post(delivery.body, { 'x-spark-signature': delivery.signature! });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ outcome: 'check-started' });
    await app.get(WebexWebhookReceiver).idle();
    await emulator.webhooks.idle();
    await app.get(WebexWebhookReceiver).idle();
    expect(await meetingEvents(meetingId)).toHaveLength(4);
  }, 60_000);

  it('ten notifications for one meeting while its check runs: one more check, not ten', async () => {
    const { email, userId, webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    const { webexMeetingId } = await scheduledMeeting(userId, email);
    await asUserInWebex(email, 'PATCH', `/meetings/${webexMeetingId}`, { title: 'Changed in Webex' });
    const delivery = await deliveryOf('updated', webexMeetingId);
    await app.get(WebexWebhookReceiver).idle();
    await emulator.webhooks.idle();
    await app.get(WebexWebhookReceiver).idle();
    const reads = () =>
      emulator.requests.list({ method: 'GET', pathPrefix: `/v1/meetings/${webexMeetingId}` }).length;
    const readsBefore = reads();
    // The first check is slow to answer, so that the other notifications come while it runs.
    emulator.faults.add({
      method: 'GET',
      pathPrefix: `/v1/meetings/${webexMeetingId}`,
      latencyMs: 2_000,
      times: 1,
    });

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post(delivery.body, { 'x-spark-signature': delivery.signature! })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 10 }, () => 200));
    await app.get(WebexWebhookReceiver).idle();
    // The first check, and one more for all those that came while it ran.
    expect(reads() - readsBefore).toBe(2);
  }, 60_000);

  it('deleted in Webex: the drift check records MeetingDriftDetected{deleted} once', async () => {
    const { email, userId, webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    const { meetingId, webexMeetingId } = await scheduledMeeting(userId, email);

    await asUserInWebex(email, 'DELETE', `/meetings/${webexMeetingId}`);
    const delivery = await deliveryOf('deleted', webexMeetingId);
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([200]);
    await app.get(WebexWebhookReceiver).idle();
    const events = await meetingEvents(meetingId);
    expect(events.map((event) => event.type)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
      'MeetingDriftDetected',
    ]);
    expect(events[2]!.data).toMatchObject({ meetingId, webexMeetingId, found: 'deleted' });

    const again = await post(delivery.body, { 'x-spark-signature': delivery.signature! });
    expect(again.status).toBe(200);
    await app.get(WebexWebhookReceiver).idle();
    expect(await meetingEvents(meetingId)).toHaveLength(3);
  }, 60_000);

  it('ended in Webex: MeetingEnded{webex-webhook} at the real end', async () => {
    const { email, userId, webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    const { meetingId, webexMeetingId } = await scheduledMeeting(userId, email);

    const before = Date.now();
    const ended = await fetch(`${emulator.url}/control/webex/meetings/${webexMeetingId}/end`, {
      method: 'POST',
    });
    expect(ended.status).toBe(200);
    const delivery = await deliveryOf('ended', webexMeetingId);
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([200]);
    const events = await meetingEvents(meetingId);
    expect(events.map((event) => event.type)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
      'MeetingEnded',
    ]);
    expect(events[2]!.data).toMatchObject({ meetingId, source: 'webex-webhook' });
    // The real end (days before the scheduled one).
    const endedAt = Date.parse((events[2]!.data as { endedAt: string }).endedAt);
    expect(endedAt).toBeGreaterThanOrEqual(before - 1_000);
    expect(endedAt).toBeLessThanOrEqual(Date.now());
  }, 60_000);

  it('ended in Webex for an occurrence of a series that goes on: the meeting does not end', async () => {
    const { email, userId, webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    const { meetingId, webexMeetingId } = await scheduledMeeting(userId, email, [
      'RRULE:FREQ=WEEKLY;COUNT=3',
    ]);

    const ended = await fetch(`${emulator.url}/control/webex/meetings/${webexMeetingId}/end`, {
      method: 'POST',
    });
    expect(ended.status).toBe(200);
    const delivery = await deliveryOf('ended', webexMeetingId);
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([200]);
    expect((await meetingEvents(meetingId)).map((event) => event.type)).toEqual([
      'MeetingRequested',
      'MeetingScheduled',
    ]);
  }, 60_000);

  it('ended in Webex after the scheduled end was recorded (it ran over): the real end is recorded too', async () => {
    const { email, userId, webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    const { meetingId, webexMeetingId } = await scheduledMeeting(userId, email);
    // What retention asks at the scheduled end.
    const client = app.get<JetStreamClient>(BUS_CLIENT);
    const scheduledEnd = await firstValueFrom(
      client.send(EndMeeting, {
        tenantId,
        trace: { correlationId: `end-${meetingId}`, causationId: null, traceparent: null },
        data: { meetingId, endedAt: new Date().toISOString(), source: 'scheduled-end' },
      }),
    );
    expect(scheduledEnd).toEqual({ outcome: 'recorded' });

    await fetch(`${emulator.url}/control/webex/meetings/${webexMeetingId}/end`, { method: 'POST' });
    await deliveryOf('ended', webexMeetingId);
    const ended = (await meetingEvents(meetingId)).filter((event) => event.type === 'MeetingEnded');
    expect(ended.map((event) => (event.data as { source: string }).source)).toEqual([
      'scheduled-end',
      'webex-webhook',
    ]);
  }, 60_000);

  it('refuses a bad or missing signature and records nothing; malformed is 400; unknown is 200', async () => {
    const { email, userId, webexUserId } = await connectedUser();
    await eventually(() => expect(webhooksOf(webexUserId)).toHaveLength(3), 20_000);
    const { meetingId, webexMeetingId } = await scheduledMeeting(userId, email);
    await asUserInWebex(email, 'DELETE', `/meetings/${webexMeetingId}`);
    const delivery = await deliveryOf('deleted', webexMeetingId);
    // What the stream holds after the real notification: a refused one adds nothing to it.
    await app.get(WebexWebhookReceiver).idle();
    const eventsBefore = (await meetingEvents(meetingId)).length;

    // Another meeting's notification would need the same secret; a forged body the right one.
    const refusedBefore = await notificationCount('refused');
    const forged = delivery.body.replace('"deleted"', '"ended"');
    const wrong = await post(forged, { 'x-spark-signature': delivery.signature! });
    expect(wrong.status).toBe(403);
    const otherSecret = await post(forged, { 'x-spark-signature': webexSignature(forged, 'not-the-secret') });
    expect(otherSecret.status).toBe(403);
    const unsigned = await post(forged);
    expect(unsigned.status).toBe(401);
    expect(await meetingEvents(meetingId)).toHaveLength(eventsBefore);
    expect(await notificationCount('refused')).toBe(refusedBefore + 3);

    expect((await post('{"id": ')).status).toBe(400);
    expect((await post('{"resource": "meetings"}')).status).toBe(400);
    const unknownWebhook = await post(JSON.stringify({ ...JSON.parse(delivery.body), id: 'unknown' }));
    expect(unknownWebhook.status).toBe(200);
    expect(await unknownWebhook.json()).toEqual({ outcome: 'ignored' });

    // A signed notification about a Webex meeting that is not ours: 200, ignored.
    const secret = [...emulator.state.webhooks.values()].find(
      (webhook) => webhook.id === delivery.webhookId,
    )!.secret!;
    const foreign = delivery.body.replaceAll(webexMeetingId, 'not-a-meeting-of-ours');
    const foreignAnswer = await post(foreign, { 'x-spark-signature': webexSignature(foreign, secret) });
    expect(foreignAnswer.status).toBe(200);
    expect(await foreignAnswer.json()).toEqual({ outcome: 'ignored' });
  }, 60_000);
});
