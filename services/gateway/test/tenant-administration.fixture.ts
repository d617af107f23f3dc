import { randomBytes } from 'node:crypto';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import type { JetStreamClient } from '@scheduler/bus';
import { loadConfig } from '@scheduler/config';
import { ExchangeGoogleAuthorizationCode } from '@scheduler/contracts';
import { createGoogleEmulator, type GoogleEmulator } from '@scheduler/emulators';
import { BUS_CLIENT } from '@scheduler/runtime';
import {
  isolatedSchema,
  startServiceProcess,
  testInfrastructure,
  type IsolatedSchema,
  type ServiceProcess,
  uniqueName,
} from '@scheduler/testing';
import { GatewayModule } from '../src/app.module.js';
import { gatewayEnvironment } from '../src/config.js';
import { codeChallengeOf } from '../src/oauth/oauth-flows.js';
import { googleScopes } from '../src/oauth/oauth-settings.js';

// A gateway in this process and the real google-ingest (which asks the Google emulator's
// Directory whether a user administers their Workspace), over real NATS and PostgreSQL.

const clientId = 'scheduler-tenant-admin-test.apps.googleusercontent.com';
const clientSecret = 'tenant-admin-test-secret';
const publicBaseUrl = 'https://scheduler.example/addon';
const googleRedirectUri = `${publicBaseUrl}/v1/oauth/google/callback`;

export interface TenantUser {
  readonly email: string;
  readonly sub: string;
  readonly idToken: string;
}

export interface Answer {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface TenantAdministrationStack {
  readonly app: INestApplication;
  readonly google: GoogleEmulator;
  readonly googleIngest: ServiceProcess;
  readonly schema: IsolatedSchema;
  /** The users seeded, by email. */
  readonly users: ReadonlyMap<string, TenantUser>;
  call(method: string, path: string, user?: TenantUser, body?: unknown): Promise<Answer>;
  /** Connects the user's Google account in google-ingest as the gateway's Google callback would. */
  connectGoogle(user: TenantUser): Promise<void>;
  close(): Promise<void>;
}

export interface TenantAdministrationStackOptions {
  readonly name: string;
  readonly users: ReadonlyArray<{ email: string; isAdmin?: boolean }>;
  /** ALLOWED_HOSTED_DOMAINS. */
  readonly allowedDomains: string;
  /** Modules of the test beside the gateway's own (e.g. a route probing a guard). */
  readonly imports?: DynamicModule['imports'];
}

export async function startTenantAdministrationStack(
  options: TenantAdministrationStackOptions,
): Promise<TenantAdministrationStack> {
  const schema = await isolatedSchema(`${options.name}_events`);
  const keySchema = await isolatedSchema(`${options.name}_keys`);
  const ingestSchema = await isolatedSchema(`${options.name}_google_ingest`);
  const google = await createGoogleEmulator();
  await google.listen();
  const seeded = google.seed({
    clients: [{ clientId, clientSecret, redirectUris: [googleRedirectUri] }],
    users: options.users.map(({ email, isAdmin }) => ({
      email,
      ...(isAdmin !== undefined ? { directory: { isAdmin } } : {}),
    })),
  });
  const users = new Map<string, TenantUser>();
  for (const { email, sub } of seeded.users) {
    const response = await fetch(`${google.url}/control/google/id-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, audience: clientId }),
    });
    users.set(email, { email, sub, idToken: ((await response.json()) as { idToken: string }).idToken });
  }

  const shared = {
    NATS_URL: testInfrastructure().natsUrl,
    EVENT_STORE_URL: schema.connectionString,
    KEY_STORE_URL: keySchema.connectionString,
    KEY_ENCRYPTION_KEY: `${options.name}:${randomBytes(32).toString('base64')}`,
    BUS_PREFIX: uniqueName(options.name),
  };
  const ingestStarted = startServiceProcess(
    { name: 'google-ingest', main: new URL('../../google-ingest/src/main.ts', import.meta.url) },
    {
      ...shared,
      DATABASE_URL: ingestSchema.connectionString,
      GOOGLE_CLIENT_ID: clientId,
      GOOGLE_CLIENT_SECRET: clientSecret,
      GOOGLE_REDIRECT_URI: googleRedirectUri,
      GOOGLE_API_BASE_URL: google.url,
      // Loopback: the emulator accepts it for watch channels; nothing needs the notifications here.
      PUBLIC_WEBHOOK_BASE_URL: 'http://127.0.0.1:9',
      LOG_LEVEL: 'warn',
    },
  );
  ingestStarted.catch(() => undefined); // awaited below

  const config = loadConfig('gateway', gatewayEnvironment, {
    ...shared,
    HTTP_PORT: '0',
    READ_MODEL_URL: schema.connectionString,
    LOG_LEVEL: 'silent',
    PUBLIC_BASE_URL: publicBaseUrl,
    GOOGLE_CLIENT_ID: clientId,
    ALLOWED_HOSTED_DOMAINS: options.allowedDomains,
    OAUTH_STATE_SECRET: 'tenant-admin-test-oauth-state-secret-0123456789',
    GOOGLE_API_BASE_URL: google.url,
    WEBEX_CLIENT_ID: 'scheduler-test-webex-client',
  });
  const moduleRef = await Test.createTestingModule({
    imports: [GatewayModule.forRoot(config), ...(options.imports ?? [])],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const googleIngest = await ingestStarted;
  await googleIngest.waitUntilReady(60_000);

  return {
    app,
    google,
    googleIngest,
    schema,
    users,
    async call(method, path, user, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(user ? { authorization: `Bearer ${user.idToken}` } : {}),
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const json = response.headers.get('content-type')?.startsWith('application/json');
      return { status: response.status, body: json ? await response.json() : await response.text() };
    },
    async connectGoogle(user) {
      const authorize = new URL(`${google.url}/o/oauth2/v2/auth`);
      authorize.searchParams.set('response_type', 'code');
      authorize.searchParams.set('client_id', clientId);
      authorize.searchParams.set('redirect_uri', googleRedirectUri);
      authorize.searchParams.set('scope', googleScopes.join(' '));
      authorize.searchParams.set('access_type', 'offline');
      authorize.searchParams.set('login_hint', user.email);
      // PKCE as the gateway's flow does it: the exchange must send the verifier of this challenge.
      const codeVerifier = randomBytes(48).toString('base64url');
      authorize.searchParams.set('code_challenge', codeChallengeOf(codeVerifier));
      authorize.searchParams.set('code_challenge_method', 'S256');
      const consent = await fetch(authorize, { redirect: 'manual' });
      const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
      const answer = await firstValueFrom(
        app.get<JetStreamClient>(BUS_CLIENT).send(ExchangeGoogleAuthorizationCode, {
          tenantId: user.email.split('@')[1]!,
          userId: user.sub,
          code,
          codeVerifier,
          redirectUri: googleRedirectUri,
          correlationId: `connect-google-${user.sub}`,
        }),
      );
      if (JSON.stringify(answer) !== JSON.stringify({ userId: user.sub, connected: true }))
        throw new Error(
          `google-ingest did not connect ${user.sub}: ${JSON.stringify(answer)}\n${googleIngest.output().slice(-3000)}`,
        );
    },
    async close() {
      await app.close();
      await googleIngest.stop();
      await google.close();
      await schema.drop();
      await keySchema.drop();
      await ingestSchema.drop();
    },
  };
}
