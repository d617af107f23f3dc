import { createHash, randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import {
  KeyEncryptionKeyRing,
  PersonalDataCodec,
  PostgresDataKeyStore,
  SecretBox,
  SubjectKeys,
} from '@scheduler/crypto-shredding';
import { EmulatorControl, createGoogleEmulator, type GoogleEmulator } from '@scheduler/emulators';
import type { EventEnvelope } from '@scheduler/contracts';
import { PostgresEventStore, type StreamCodec } from '@scheduler/event-store';
import { GoogleOAuth } from '@scheduler/google';
import { sealedEnvelopeCodec } from '@scheduler/runtime';
import { isolatedSchema, type IsolatedSchema } from '@scheduler/testing';
import { CalendarSyncEngine } from '../src/calendar-sync/calendar-sync-engine.js';
import { ensureCalendarSyncSchema } from '../src/calendar-sync/migrations.js';
import {
  ConnectGoogleAccount,
  type ConnectionLogger,
} from '../src/google-accounts/connect-google-account.js';
import { DisconnectGoogleAccount } from '../src/google-accounts/disconnect-google-account.js';
import { GoogleTokenStore } from '../src/google-accounts/google-token-store.js';
import { ensureGoogleAccountSchema } from '../src/google-accounts/migrations.js';
import { ChannelIds } from '../src/watch-channels/channel-ids.js';
import { ChannelManager } from '../src/watch-channels/channel-manager.js';
import { ensureChannelSchema } from '../src/watch-channels/migrations.js';

/**
 * For int specs only (never imported by the service): google-ingest's account pieces wired
 * against a real Google emulator on a free port, PostgreSQL in an isolated schema, a real
 * PostgresEventStore and a real PostgresDataKeyStore.
 */
export const clientId = 'scheduler-accounts-test.apps.googleusercontent.com';
const clientSecret = 'accounts-test-secret';
export const redirectUri = 'http://127.0.0.1/oauth/google/callback';
export const tenantId = 'demo.example';
/** PKCE: the verifier every test exchange sends; `authorize` consents with its S256 challenge. */
export const codeVerifier = 'test-pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz';
export const codeChallenge = createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
export const scopes = [
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
];

export interface GoogleIngestFixture {
  readonly emulator: GoogleEmulator;
  readonly schema: IsolatedSchema;
  readonly pool: pg.Pool;
  readonly store: PostgresEventStore;
  readonly oauth: GoogleOAuth;
  readonly keys: SubjectKeys;
  /** KEY_ENCRYPTION_KEY ("<id>:<base64>") of the data keys: a service process sharing this schema's keys needs it. */
  readonly keyEncryptionKey: string;
  readonly codec: PersonalDataCodec;
  /** How the service stores its streams and reads streams back (SEALED_ENVELOPES). */
  readonly sealed: StreamCodec<EventEnvelope>;
  readonly tokens: GoogleTokenStore;
  readonly engine: CalendarSyncEngine;
  readonly channels: ChannelManager;
  readonly connector: ConnectGoogleAccount;
  /** Registered with `tokens`, as the service wires it: a dead grant disconnects the account. */
  readonly disconnection: DisconnectGoogleAccount;
  readonly disconnectionErrors: unknown[];
  readonly warnings: Array<{ details: Record<string, unknown>; message: string }>;
  readonly logLines: string[];
  readonly tokenErrors: unknown[];
  readonly users: Record<string, { sub: string }>;
  /** The consent flow as a browser would run it: our authorization URL, the emulator's redirect, the code. */
  authorize(email: string): Promise<string>;
  control(path: string, body?: unknown, method?: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

/**
 * Sealing whose data keys live in the test's schema under a fresh key-encryption key, as the
 * platform builds it in production (EventPlatformModule).
 */
export async function testPersonalData(
  pool: pg.Pool,
): Promise<{ codec: PersonalDataCodec; secretBox: SecretBox; keys: SubjectKeys; keyEncryptionKey: string }> {
  const dataKeys = new PostgresDataKeyStore({ pool });
  await dataKeys.ensureSchema();
  const keyEncryptionKey = `kek-test:${randomBytes(32).toString('base64')}`;
  const keys = new SubjectKeys({
    store: dataKeys,
    keyEncryptionKeys: KeyEncryptionKeyRing.fromEnvironment({ primary: keyEncryptionKey }),
  });
  const secretBox = new SecretBox(keys);
  return { codec: new PersonalDataCodec({ secretBox }), secretBox, keys, keyEncryptionKey };
}

export async function startGoogleIngestFixture(
  name: string,
  users: Array<{ email: string; name?: string; timeZone?: string; siteUrl?: string }>,
): Promise<GoogleIngestFixture> {
  const schema = await isolatedSchema(name);
  const pool = new pg.Pool({ connectionString: schema.connectionString, max: 8 });
  await ensureCalendarSyncSchema(pool);
  await ensureChannelSchema(pool);
  await ensureGoogleAccountSchema(pool);
  const { codec, secretBox, keys, keyEncryptionKey } = await testPersonalData(pool);
  const sealed = sealedEnvelopeCodec(codec);
  const store = await PostgresEventStore.connect({ connectionString: schema.connectionString });
  const emulator = await createGoogleEmulator({ push: { retryBaseDelayMs: 50 } });
  await emulator.listen();
  const seeded = emulator.seed({
    clients: [{ clientId, clientSecret, redirectUris: [redirectUri] }],
    users: users.map((user) => ({
      email: user.email,
      ...(user.name ? { name: user.name } : {}),
      timeZone: user.timeZone ?? 'Europe/Berlin',
      ...(user.siteUrl ? { directory: { customSchemas: { Webex: { SiteUrl: user.siteUrl } } } } : {}),
    })),
  });
  const endpoints = emulator.endpoints;
  const oauth = new GoogleOAuth({ clientId, clientSecret, redirectUri, endpoints });
  const clock = () => emulator.clock.now();
  const tokenErrors: unknown[] = [];
  const disconnectionErrors: unknown[] = [];
  const tokens = new GoogleTokenStore({
    pool,
    secretBox,
    oauth,
    endpoints,
    resilience: { baseDelayMs: 20 },
    clock,
    onTokensError: (error) => tokenErrors.push(error),
    onDisconnectionError: (error) => disconnectionErrors.push(error),
  });
  const engine = new CalendarSyncEngine({ pool, eventStore: store, codec: sealed, clock });
  const webhook: Server = createServer();
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const channels = new ChannelManager({
    pool,
    eventStore: store,
    codec: sealed,
    syncer: engine,
    channelIds: ChannelIds.fromKeyRing(KeyEncryptionKeyRing.fromEnvironment({ primary: keyEncryptionKey })),
    accounts: (userId) => tokens.accountFor(userId),
    webhookAddress: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/webhooks/google`,
    clock,
  });
  // The webhook as the gateway will host it: verify, answer 200 whatever the outcome.
  webhook.on('request', (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      channels
        .handleNotification(request.headers as IncomingHttpHeaders)
        .then(() => response.writeHead(200).end())
        .catch(() => response.writeHead(500).end());
    });
  });
  const warnings: GoogleIngestFixture['warnings'] = [];
  const logLines: string[] = [];
  const logger: ConnectionLogger = {
    info: (details, message) => logLines.push(JSON.stringify({ ...details, message })),
    warn: (details, message) => {
      warnings.push({ details, message });
      logLines.push(JSON.stringify({ ...details, message }));
    },
  };
  const connector = new ConnectGoogleAccount({
    oauth,
    clientId,
    redirectUri,
    tokens,
    eventStore: store,
    channels,
    codec: sealed,
    logger,
    clock,
  });

  const disconnection = new DisconnectGoogleAccount({
    eventStore: store,
    codec: sealed,
    channels,
    sync: engine,
  });
  tokens.handleDisconnections(async (deadGrant) => {
    await disconnection.disconnect(deadGrant);
  });

  const emulatorControl = new EmulatorControl(emulator.url);
  const control = (path: string, body?: unknown, method?: string) =>
    emulatorControl.request<Record<string, unknown> | undefined>(path, body, method);

  return {
    emulator,
    schema,
    pool,
    store,
    oauth,
    keys,
    keyEncryptionKey,
    codec,
    sealed,
    tokens,
    engine,
    channels,
    connector,
    disconnection,
    disconnectionErrors,
    warnings,
    logLines,
    tokenErrors,
    users: Object.fromEntries(seeded.users.map((user) => [user.email, { sub: user.sub }])),
    control,
    async authorize(email) {
      const url = oauth.authorizationUrl({ scopes, state: 'state-1', loginHint: email, codeChallenge });
      const response = await fetch(url, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status !== 302 || !location)
        throw new Error(`no redirect from consent: ${response.status}`);
      const code = new URL(location).searchParams.get('code');
      if (!code) throw new Error(`consent redirected without a code: ${location}`);
      return code;
    },
    async close() {
      await channels.idle();
      await tokens.idle();
      await emulator.close();
      await new Promise((resolve) => webhook.close(resolve));
      await store.close();
      await pool.end();
      await schema.drop();
    },
  };
}
