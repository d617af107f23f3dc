import { Logger, Module } from '@nestjs/common';
import type pg from 'pg';
import { SecretBox } from '@scheduler/crypto-shredding';
import { GoogleOAuth, googleEndpoints, type GoogleEndpoints } from '@scheduler/google';
import { MetricsRegistry, SERVICE_CONFIG, tokenRefreshCounter } from '@scheduler/runtime';
import type { GoogleIngestConfig } from '../config.js';
import { PRIVATE_DATABASE } from '../private-database.js';
import { GoogleTokenStore } from './google-token-store.js';

/** Google's endpoints: behind GOOGLE_API_BASE_URL when it is set (the emulator), the real ones otherwise. */
const GOOGLE_ENDPOINTS = Symbol('GOOGLE_ENDPOINTS');

const describeError = (error: unknown) =>
  error instanceof Error ? { error: error.name, reason: error.message } : { reason: String(error) };

/**
 * The connected accounts' sealed Google tokens, and clients that act with them. Its own module
 * because every feature acts for an account (watches, syncs, reads, conference writes), while
 * connecting an account also starts its watch.
 */
@Module({
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
      inject: [SERVICE_CONFIG, PRIVATE_DATABASE, SecretBox, GoogleOAuth, GOOGLE_ENDPOINTS, MetricsRegistry],
      useFactory: (
        config: GoogleIngestConfig,
        pool: pg.Pool,
        secretBox: SecretBox,
        oauth: GoogleOAuth,
        endpoints: GoogleEndpoints,
        metrics: MetricsRegistry,
      ) => {
        const logger = new Logger('GoogleTokenStore');
        const refreshes = tokenRefreshCounter(metrics.registry);
        return new GoogleTokenStore({
          onRefresh: (outcome) => refreshes.inc({ provider: 'google', outcome }),
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
          onDisconnectionError: (error, account) =>
            logger.warn(
              { userId: account.userId, ...describeError(error) },
              'a dead Google grant was marked, but stopping its channels or recording GoogleAccountDisconnected failed',
            ),
        });
      },
    },
  ],
  exports: [GoogleOAuth, GoogleTokenStore],
})
export class GoogleTokensModule {}
