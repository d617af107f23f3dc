import { Logger, type Provider } from '@nestjs/common';
import pg from 'pg';
import type { ClientProxy } from '@nestjs/microservices';
import type { EventEnvelope } from '@scheduler/contracts';
import { SecretBox } from '@scheduler/crypto-shredding';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import {
  GoogleOAuth,
  emulatorGoogleEndpoints,
  productionGoogleEndpoints,
  type GoogleEndpoints,
} from '@scheduler/google';
import { BUS_CLIENT, EVENT_STORE, SEALED_ENVELOPES, SERVICE_CONFIG } from '@scheduler/runtime';
import { ConnectGoogleAccount, GoogleTokenStore, ensureGoogleAccountSchema } from '../accounts/index.js';
import { CalendarEventReader } from '../calendar-events/index.js';
import { CalendarSyncEngine, ensureCalendarSyncSchema } from '../calendar-sync/index.js';
import { ChannelManager, ensureChannelSchema } from '../channels/index.js';
import { BusMeetingRecorder, ConferenceAttacher } from '../conference-attachment/index.js';
import type { GoogleIngestConfig } from '../config.js';
import { GOOGLE_ENDPOINTS, PRIVATE_DATABASE } from './tokens.js';

/** Where Google pushes calendar notifications, under PUBLIC_WEBHOOK_BASE_URL. */
export const CALENDAR_WEBHOOK_PATH = 'webhooks/google/calendar';

const describeError = (error: unknown) =>
  error instanceof Error ? { error: error.name, reason: error.message } : { reason: String(error) };

/**
 * The tested modules, built from configuration. Each is a plain class constructed once here;
 * Nest only hands them around. Connections are closed by GoogleIngestResources.
 */
export const googleIngestProviders: Provider[] = [
  {
    provide: PRIVATE_DATABASE,
    inject: [SERVICE_CONFIG],
    useFactory: async (config: GoogleIngestConfig) => {
      const pool = new pg.Pool({
        connectionString: config.DATABASE_URL,
        max: 10,
        application_name: 'google-ingest',
      });
      // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
      pool.on('error', (error) =>
        new Logger('PrivateDatabase').warn(describeError(error), 'idle client failed'),
      );
      try {
        // Each is idempotent and safe under concurrent starts.
        await ensureGoogleAccountSchema(pool);
        await ensureCalendarSyncSchema(pool);
        await ensureChannelSchema(pool);
      } catch (error) {
        await pool.end();
        throw error;
      }
      return pool;
    },
  },
  {
    provide: GOOGLE_ENDPOINTS,
    inject: [SERVICE_CONFIG],
    useFactory: (config: GoogleIngestConfig): GoogleEndpoints =>
      config.GOOGLE_API_BASE_URL
        ? emulatorGoogleEndpoints(config.GOOGLE_API_BASE_URL)
        : productionGoogleEndpoints,
  },
  {
    provide: GoogleOAuth,
    inject: [SERVICE_CONFIG, GOOGLE_ENDPOINTS],
    useFactory: (config: GoogleIngestConfig, endpoints: GoogleEndpoints) =>
      new GoogleOAuth({
        clientId: config.GOOGLE_CLIENT_ID,
        clientSecret: config.GOOGLE_CLIENT_SECRET,
        redirectUri: config.GOOGLE_REDIRECT_URI,
        endpoints,
      }),
  },
  {
    provide: GoogleTokenStore,
    inject: [SERVICE_CONFIG, PRIVATE_DATABASE, SecretBox, GoogleOAuth, GOOGLE_ENDPOINTS],
    useFactory: (
      config: GoogleIngestConfig,
      pool: pg.Pool,
      secretBox: SecretBox,
      oauth: GoogleOAuth,
      endpoints: GoogleEndpoints,
    ) => {
      const logger = new Logger('GoogleTokenStore');
      return new GoogleTokenStore({
        pool,
        secretBox,
        oauth,
        endpoints,
        siteUrlSchema: config.DIRECTORY_SITE_SCHEMA,
        siteUrlField: config.DIRECTORY_SITE_FIELD,
        onTokensError: (error, account) =>
          logger.warn(
            { userId: account.userId, ...describeError(error) },
            'refreshed tokens were not persisted',
          ),
      });
    },
  },
  {
    provide: CalendarSyncEngine,
    inject: [PRIVATE_DATABASE, EVENT_STORE, SEALED_ENVELOPES],
    useFactory: (pool: pg.Pool, eventStore: EventStore, codec: StreamCodec<EventEnvelope>) =>
      new CalendarSyncEngine({ pool, eventStore, codec }),
  },
  {
    provide: ChannelManager,
    inject: [
      SERVICE_CONFIG,
      PRIVATE_DATABASE,
      EVENT_STORE,
      SEALED_ENVELOPES,
      CalendarSyncEngine,
      GoogleTokenStore,
    ],
    useFactory: (
      config: GoogleIngestConfig,
      pool: pg.Pool,
      eventStore: EventStore,
      codec: StreamCodec<EventEnvelope>,
      syncer: CalendarSyncEngine,
      tokens: GoogleTokenStore,
    ) => {
      const logger = new Logger('ChannelManager');
      return new ChannelManager({
        pool,
        eventStore,
        codec,
        syncer,
        accounts: (userId) => tokens.accountFor(userId),
        webhookAddress: `${config.PUBLIC_WEBHOOK_BASE_URL.replace(/\/+$/, '')}/${CALENDAR_WEBHOOK_PATH}`,
        onSyncError: (error, calendar) =>
          // Ids only: the calendar id is the user's email, so it stays out of the log.
          logger.warn(
            { userId: calendar.userId, ...describeError(error) },
            'calendar sync failed; the periodic sync retries it',
          ),
      });
    },
  },
  {
    provide: ConnectGoogleAccount,
    inject: [SERVICE_CONFIG, GoogleOAuth, GoogleTokenStore, EVENT_STORE, ChannelManager, SEALED_ENVELOPES],
    useFactory: (
      config: GoogleIngestConfig,
      oauth: GoogleOAuth,
      tokens: GoogleTokenStore,
      eventStore: EventStore,
      channels: ChannelManager,
      codec: StreamCodec<EventEnvelope>,
    ) => {
      const logger = new Logger('ConnectGoogleAccount');
      return new ConnectGoogleAccount({
        oauth,
        clientId: config.GOOGLE_CLIENT_ID,
        redirectUri: config.GOOGLE_REDIRECT_URI,
        tokens,
        eventStore,
        channels,
        codec,
        logger: {
          info: (details, message) => logger.log(details, message),
          warn: (details, message) => logger.warn(details, message),
        },
      });
    },
  },
  {
    provide: CalendarEventReader,
    inject: [GoogleTokenStore],
    useFactory: (tokens: GoogleTokenStore) => new CalendarEventReader({ tokens }),
  },
  {
    provide: ConferenceAttacher,
    inject: [EVENT_STORE, SEALED_ENVELOPES, GoogleTokenStore, BUS_CLIENT],
    useFactory: (
      eventStore: EventStore,
      codec: StreamCodec<EventEnvelope>,
      tokens: GoogleTokenStore,
      bus: ClientProxy,
    ) => new ConferenceAttacher({ eventStore, codec, tokens, meetings: new BusMeetingRecorder(bus) }),
  },
];
