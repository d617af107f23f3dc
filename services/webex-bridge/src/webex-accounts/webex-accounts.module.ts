import { Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { EventEnvelope } from '@scheduler/contracts';
import { SecretBox } from '@scheduler/crypto-shredding';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import {
  EVENT_STORE,
  MetricsRegistry,
  ReadinessRegistry,
  SEALED_ENVELOPES,
  SERVICE_CONFIG,
  tokenRefreshCounter,
} from '@scheduler/runtime';
import { createWebexCircuitBreaker, type WebexOAuthOptions } from '@scheduler/webex';
import type pg from 'pg';
import { privatePool } from '@scheduler/postgres-migrations';
import type { WebexBridgeConfig } from '../config.js';
import { ConnectWebexAccount } from './connect-webex-account.js';
import { WebexAccountStream } from './webex-account-stream.js';
import { WebexAccountsHandlers } from './webex-accounts.handlers.js';
import { WebexAccountsRepository } from './webex-accounts.repository.js';
import { WebexTokenStore } from './webex-token-store.js';

/** The bridge's private database (Webex tokens, directory sites); never the event store's pool. */
const WEBEX_ACCOUNTS_DATABASE = Symbol('WEBEX_ACCOUNTS_DATABASE');
const WEBEX_OAUTH_OPTIONS = Symbol('WEBEX_OAUTH_OPTIONS');

/** Start-up and shutdown of what this module opens itself: its schema, readiness, its pool. */
@Injectable()
class WebexAccountsResources implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(WEBEX_ACCOUNTS_DATABASE) private readonly database: pg.Pool,
    @Inject(WebexAccountsRepository) private readonly accounts: WebexAccountsRepository,
    private readonly readiness: ReadinessRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    // Idempotent (CREATE … IF NOT EXISTS); a database that is down fails the start.
    await this.accounts.ensureSchema();
    this.readiness.register('database', async () => {
      await this.database.query('SELECT 1');
    });
  }

  // onApplicationShutdown runs after the consumers drained (Nest closes the transport before it),
  // so no handler is left holding these connections.
  async onApplicationShutdown(): Promise<void> {
    await this.database.end().catch(() => undefined);
  }
}

/**
 * The user's Webex account: OAuth tokens kept sealed in the private database, the connect flow,
 * the site, and the `webexAccount-<userId>` stream of facts about them. Other features act in
 * Webex as a user through WebexTokenStore.webexClientFor.
 */
@Module({
  controllers: [WebexAccountsHandlers],
  providers: [
    {
      provide: WEBEX_ACCOUNTS_DATABASE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: WebexBridgeConfig) =>
        privatePool({ connectionString: config.DATABASE_URL, max: 8, name: 'webex-bridge' }),
    },
    {
      provide: WEBEX_OAUTH_OPTIONS,
      inject: [SERVICE_CONFIG],
      useFactory: (config: WebexBridgeConfig): WebexOAuthOptions => ({
        baseUrl: config.WEBEX_API_BASE_URL,
        clientId: config.WEBEX_CLIENT_ID,
        clientSecret: config.WEBEX_CLIENT_SECRET,
        redirectUri: config.WEBEX_REDIRECT_URI,
      }),
    },
    {
      provide: WebexAccountsRepository,
      inject: [WEBEX_ACCOUNTS_DATABASE],
      useFactory: (pool: pg.Pool) => new WebexAccountsRepository(pool),
    },
    {
      provide: WebexAccountStream,
      inject: [EVENT_STORE, SEALED_ENVELOPES],
      useFactory: (eventStore: EventStore, envelopes: StreamCodec<EventEnvelope>) =>
        new WebexAccountStream(eventStore, envelopes),
    },
    {
      provide: WebexTokenStore,
      inject: [
        SERVICE_CONFIG,
        WebexAccountsRepository,
        SecretBox,
        WebexAccountStream,
        WEBEX_OAUTH_OPTIONS,
        MetricsRegistry,
      ],
      useFactory: (
        config: WebexBridgeConfig,
        accounts: WebexAccountsRepository,
        secretBox: SecretBox,
        accountStream: WebexAccountStream,
        oauth: WebexOAuthOptions,
        metrics: MetricsRegistry,
      ) => {
        const refreshes = tokenRefreshCounter(metrics.registry);
        return new WebexTokenStore({
          accounts,
          secretBox,
          accountStream,
          oauth,
          onRefresh: (outcome) => refreshes.inc({ provider: 'webex', outcome }),
          // One breaker per process: it guards the Webex API, not a user.
          client: {
            baseUrl: config.WEBEX_API_BASE_URL,
            circuitBreaker: createWebexCircuitBreaker({ openDurationMs: config.WEBEX_CIRCUIT_OPEN_MS }),
          },
        });
      },
    },
    {
      provide: ConnectWebexAccount,
      inject: [
        SERVICE_CONFIG,
        WebexTokenStore,
        WebexAccountsRepository,
        WebexAccountStream,
        WEBEX_OAUTH_OPTIONS,
      ],
      useFactory: (
        config: WebexBridgeConfig,
        tokens: WebexTokenStore,
        accounts: WebexAccountsRepository,
        accountStream: WebexAccountStream,
        oauth: WebexOAuthOptions,
      ) =>
        new ConnectWebexAccount({
          tokens,
          accounts,
          accountStream,
          oauth,
          siteCacheTtlMs: config.WEBEX_SITE_CACHE_TTL_MS,
        }),
    },
    WebexAccountsResources,
  ],
  exports: [WebexTokenStore, ConnectWebexAccount, WebexAccountsRepository, WebexAccountStream],
})
export class WebexAccountsModule {}
