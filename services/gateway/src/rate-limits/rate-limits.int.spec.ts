import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@scheduler/config';
import { createGoogleEmulator, type GoogleEmulator } from '@scheduler/emulators';
import { isolatedSchema, testInfrastructure, uniqueName, type IsolatedSchema } from '@scheduler/testing';
import { GatewayModule } from '../app.module.js';
import { gatewayEnvironment } from '../config.js';

const clientId = 'scheduler-rate-limits-test.apps.googleusercontent.com';
const USER_LIMIT = 100;
// Every request of this file comes from 127.0.0.1: room for the tests before the last one.
const ADDRESS_LIMIT = 400;

let emulator: GoogleEmulator;
let schema: IsolatedSchema;
let keySchema: IsolatedSchema;
let app: INestApplication;
let baseUrl: string;
let aliceToken: string;
let bobToken: string;

async function idTokenFor(email: string): Promise<string> {
  const response = await fetch(`${emulator.url}/control/google/id-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, audience: clientId }),
  });
  return ((await response.json()) as { idToken: string }).idToken;
}

const listMeetings = (token: string) =>
  fetch(`${baseUrl}/v1/meetings?calendarId=primary&eventId=rate1limit`, {
    headers: { authorization: `Bearer ${token}` },
  });

beforeAll(async () => {
  schema = await isolatedSchema('gateway_rate_limits');
  keySchema = await isolatedSchema('gateway_rate_limits_keys');
  emulator = await createGoogleEmulator();
  await emulator.listen();
  emulator.seed({
    clients: [{ clientId, clientSecret: 'rate-limits-test-secret' }],
    users: [
      { email: 'alice@demo.example', name: 'Alice', timeZone: 'Europe/Berlin' },
      { email: 'bob@demo.example', name: 'Bob', timeZone: 'Europe/Berlin' },
    ],
  });
  [aliceToken, bobToken] = await Promise.all([
    idTokenFor('alice@demo.example'),
    idTokenFor('bob@demo.example'),
  ]);
  const config = loadConfig('gateway', gatewayEnvironment, {
    HTTP_PORT: '0',
    NATS_URL: testInfrastructure().natsUrl,
    EVENT_STORE_URL: schema.connectionString,
    KEY_STORE_URL: keySchema.connectionString,
    KEY_ENCRYPTION_KEY: `rate-limits-test:${randomBytes(32).toString('base64')}`,
    BUS_PREFIX: uniqueName('gateway_rate_limits'),
    READ_MODEL_URL: schema.connectionString,
    LOG_LEVEL: 'silent',
    PUBLIC_BASE_URL: 'https://scheduler.example/addon',
    GOOGLE_CLIENT_ID: clientId,
    ALLOWED_HOSTED_DOMAINS: 'demo.example',
    OAUTH_STATE_SECRET: 'rate-limits-test-oauth-state-secret-0123456789',
    GOOGLE_API_BASE_URL: emulator.url,
    WEBEX_CLIENT_ID: 'scheduler-test-webex-client',
    RATE_LIMIT_PER_USER: String(USER_LIMIT),
    RATE_LIMIT_PER_IP: String(ADDRESS_LIMIT),
  });
  const moduleRef = await Test.createTestingModule({ imports: [GatewayModule.forRoot(config)] }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
}, 60_000);

afterAll(async () => {
  await app?.close();
  await emulator?.close();
  await schema?.drop();
  await keySchema?.drop();
});

describe('request limits', () => {
  it('answers a burst of 200 requests from one user with 429s carrying Retry-After; another user is unaffected', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, () => listMeetings(aliceToken)));
    const statuses = answers.map((answer) => answer.status);
    const refused = answers.filter((answer) => answer.status === 429);
    // The bucket holds USER_LIMIT requests and refills at USER_LIMIT a minute: the burst's few
    // seconds add only a handful.
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(USER_LIMIT);
    expect(statuses.filter((status) => status === 200).length).toBeLessThan(USER_LIMIT + 15);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    expect(refused.length).toBeGreaterThan(80);
    const retryAfter = Number(refused[0]!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused[0]!.json()).toEqual({
      error: {
        code: 'too_many_requests',
        message: expect.any(String),
        limit: 'user',
        retryAfterSeconds: retryAfter,
        correlationId: refused[0]!.headers.get('x-correlation-id'),
      },
    });
    await Promise.all(answers.map((answer) => (answer.bodyUsed ? undefined : answer.body?.cancel())));

    const bob = await listMeetings(bobToken);
    expect([bob.status, await bob.json()]).toEqual([200, { meetings: [] }]);
  }, 60_000);

  it('serves its OpenAPI document unauthenticated, the committed file', async () => {
    const answer = await fetch(`${baseUrl}/v1/openapi.json`);
    expect(answer.status).toBe(200);
    const committed = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8'));
    expect(await answer.json()).toEqual(committed);
  });

  it('limits a client address before any token is verified, and leaves health probes alone', async () => {
    const answers = await Promise.all(
      Array.from({ length: 300 }, () =>
        fetch(`${baseUrl}/v1/meetings/0193a6f0-8a4e-7c41-9d2b-6f1e2a3b4c5d`, {
          headers: { authorization: 'Bearer not-a-token' },
        }),
      ),
    );
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(answers.every((answer) => answer.status === 401 || answer.status === 429)).toBe(true);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused[0]!.json()) as { error: unknown }).error).toMatchObject({
      code: 'too_many_requests',
      limit: 'ip',
    });
    await Promise.all(answers.map((answer) => (answer.bodyUsed ? undefined : answer.body?.cancel())));
    expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
  }, 60_000);
});
