import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { EventEnvelope } from '@scheduler/contracts';
import { PersonalDataCodec, SecretBox } from '@scheduler/crypto-shredding';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import {
  EVENT_STORE,
  EventPlatformModule,
  ReadinessRegistry,
  RuntimeModule,
  SEALED_ENVELOPES,
} from '@scheduler/runtime';
import { createWebexCircuitBreaker, type WebexOAuthOptions } from '@scheduler/webex';
import pg from 'pg';
import { ConnectWebexAccount, UserStream, WebexTokenStore } from './accounts/index.js';
import type { WebexBridgeConfig } from './config.js';
import { MeetingCommands, MeetingLifecycle, MeetingStreams } from './meeting-lifecycle/index.js';
import { WebexBridgeHandlers } from './wiring/webex-bridge-handlers.js';

/** The bridge's private database (Webex tokens, site cache); never the event store's pool. */
export const WEBEX_BRIDGE_DATABASE = Symbol('WEBEX_BRIDGE_DATABASE');
export const WEBEX_OAUTH_OPTIONS = Symbol('WEBEX_OAUTH_OPTIONS');

export interface WebexBridgeModuleOptions {
  /**
   * The service name: relay name, metrics label and (through createServiceApp) the durable
   * consumer's name. Default 'webex-bridge'; tests pass a unique one so that their consumer and
   * relay checkpoint are their own on a shared nats-server.
   */
  readonly service?: string;
}

/** Start-up and shutdown of what this module opens itself: schemas, readiness, connections. */
@Injectable()
class WebexBridgeResources implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(WEBEX_BRIDGE_DATABASE) private readonly database: pg.Pool,
    @Inject(WebexTokenStore) private readonly tokens: WebexTokenStore,
    private readonly readiness: ReadinessRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    // Idempotent (CREATE … IF NOT EXISTS); a database that is down fails the start.
    await this.tokens.ensureSchema();
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

/** Webex OAuth tokens and the crash-safe meeting lifecycle against the Webex API. */
@Module({})
export class WebexBridgeModule {
  static forRoot(config: WebexBridgeConfig, options: WebexBridgeModuleOptions = {}): DynamicModule {
    const service = options.service ?? 'webex-bridge';
    return {
      module: WebexBridgeModule,
      imports: [
        RuntimeModule.forRoot({ service, config }),
        EventPlatformModule.forRoot({ service: 'webex-bridge', relayName: service }),
      ],
      controllers: [WebexBridgeHandlers],
      providers: [
        {
          provide: WEBEX_BRIDGE_DATABASE,
          useFactory: () => {
            const pool = new pg.Pool({
              connectionString: config.DATABASE_URL,
              max: 8,
              application_name: service,
            });
            // An idle connection dropped by the server (restart, failover) is emitted on the pool
            // and would crash the process unhandled; the next query reports a real outage.
            pool.on('error', () => undefined);
            return pool;
          },
        },
        {
          provide: WEBEX_OAUTH_OPTIONS,
          useValue: {
            baseUrl: config.WEBEX_API_BASE_URL,
            clientId: config.WEBEX_CLIENT_ID,
            clientSecret: config.WEBEX_CLIENT_SECRET,
            redirectUri: config.WEBEX_REDIRECT_URI,
          } satisfies WebexOAuthOptions,
        },
        {
          provide: UserStream,
          inject: [EVENT_STORE, PersonalDataCodec],
          useFactory: (eventStore: EventStore, codec: PersonalDataCodec) => new UserStream(eventStore, codec),
        },
        {
          provide: WebexTokenStore,
          inject: [WEBEX_BRIDGE_DATABASE, SecretBox, UserStream, WEBEX_OAUTH_OPTIONS],
          useFactory: (
            pool: pg.Pool,
            secretBox: SecretBox,
            userStream: UserStream,
            oauth: WebexOAuthOptions,
          ) =>
            new WebexTokenStore({
              pool,
              secretBox,
              userStream,
              oauth,
              // One breaker per process: it guards the Webex API, not a user.
              client: { baseUrl: config.WEBEX_API_BASE_URL, circuitBreaker: createWebexCircuitBreaker() },
            }),
        },
        {
          provide: ConnectWebexAccount,
          inject: [WebexTokenStore, UserStream, WEBEX_OAUTH_OPTIONS],
          useFactory: (tokens: WebexTokenStore, userStream: UserStream, oauth: WebexOAuthOptions) =>
            new ConnectWebexAccount({
              tokens,
              userStream,
              oauth,
              siteCacheTtlMs: config.WEBEX_SITE_CACHE_TTL_MS,
            }),
        },
        {
          provide: MeetingStreams,
          inject: [EVENT_STORE, SEALED_ENVELOPES],
          useFactory: (eventStore: EventStore, envelopes: StreamCodec<EventEnvelope>) =>
            new MeetingStreams(eventStore, envelopes),
        },
        {
          provide: MeetingCommands,
          inject: [MeetingStreams],
          useFactory: (meetings: MeetingStreams) => new MeetingCommands(meetings),
        },
        {
          provide: MeetingLifecycle,
          inject: [MeetingStreams, WebexTokenStore],
          useFactory: (meetings: MeetingStreams, tokens: WebexTokenStore) =>
            new MeetingLifecycle(meetings, (userId) => tokens.webexClientFor(userId)),
        },
        WebexBridgeResources,
      ],
    };
  }
}
