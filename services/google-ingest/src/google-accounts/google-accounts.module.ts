import { Logger, Module, forwardRef } from '@nestjs/common';
import type pg from 'pg';
import type { EventEnvelope } from '@scheduler/contracts';
import { SecretBox } from '@scheduler/crypto-shredding';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { GoogleOAuth, googleEndpoints, type GoogleEndpoints } from '@scheduler/google';
import { EVENT_STORE, SEALED_ENVELOPES, SERVICE_CONFIG } from '@scheduler/runtime';
import type { GoogleIngestConfig } from '../config.js';
import { PRIVATE_DATABASE } from '../private-database.js';
import { ChannelManager } from '../watch-channels/channel-manager.js';
import { WatchChannelsModule } from '../watch-channels/watch-channels.module.js';
import { ConnectGoogleAccount } from './connect-google-account.js';
import { GoogleAccountsHandlers } from './google-accounts.handlers.js';
import { GoogleTokenStore } from './google-token-store.js';

/** Google's endpoints: behind GOOGLE_API_BASE_URL when it is set (the emulator), the real ones otherwise. */
const GOOGLE_ENDPOINTS = Symbol('GOOGLE_ENDPOINTS');

const describeError = (error: unknown) =>
  error instanceof Error ? { error: error.name, reason: error.message } : { reason: String(error) };

/** Connected Google accounts: the OAuth code exchange, the sealed tokens, the googleAccount stream. */
@Module({
  // A connection starts a watch, and a watch acts for a connected account: the two features
  // need each other (no provider of either needs itself).
  imports: [forwardRef(() => WatchChannelsModule)],
  controllers: [GoogleAccountsHandlers],
  providers: [
    {
      provide: GOOGLE_ENDPOINTS,
      inject: [SERVICE_CONFIG],
      useFactory: (config: GoogleIngestConfig): GoogleEndpoints =>
        googleEndpoints(config.GOOGLE_API_BASE_URL),
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
  ],
  exports: [GoogleTokenStore],
})
export class GoogleAccountsModule {}
