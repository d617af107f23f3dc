import { readUserLanguage } from '@scheduler/i18n';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { EventEnvelope } from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import {
  EVENT_STORE,
  MetricsRegistry,
  ReadinessRegistry,
  SEALED_ENVELOPES,
  SERVICE_CONFIG,
} from '@scheduler/runtime';
import type pg from 'pg';
import { privatePool } from '@scheduler/postgres-migrations';
import type { WebexBridgeConfig } from '../config.js';
import { WebexAccountsModule } from '../webex-accounts/webex-accounts.module.js';
import { MeetingPreferencesModule } from '../meeting-preferences/meeting-preferences.module.js';
import { UserMeetingPreferences } from '../meeting-preferences/user-meeting-preferences.js';
import { WebexTokenStore } from '../webex-accounts/webex-token-store.js';
import { MeetingCommands } from './meeting-commands.js';
import { MeetingLifecycle } from './meeting-lifecycle.js';
import { MeetingReconciler } from './meeting-reconciler.js';
import { MeetingStreams } from './meeting-stream.js';
import { MeetingSyncRepository } from './meeting-sync.repository.js';
import { MeetingsHandlers } from './meetings.handlers.js';
import { rebuildMeetingTables } from './rebuild-meeting-tables.js';

/**
 * The meetings feature's own pool. A reconcile holds a connection (its row lock) during the
 * Webex call, which may need the accounts' pool for a token refresh: sharing one pool could
 * leave every connection waiting for another.
 */
const MEETINGS_DATABASE = Symbol('MEETINGS_DATABASE');

/** The schema of meetings_to_converge, the reconcile loop, and the pool they use. */
@Injectable()
class MeetingsResources
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    @Inject(MEETINGS_DATABASE) private readonly database: pg.Pool,
    @Inject(MeetingSyncRepository) private readonly sync: MeetingSyncRepository,
    @Inject(MeetingReconciler) private readonly reconciler: MeetingReconciler,
    @Inject(MeetingStreams) private readonly meetings: MeetingStreams,
    private readonly readiness: ReadinessRegistry,
  ) {}

  private readonly logger = new Logger('Meetings');

  private tableCreated = false;
  private driftTableCreated = false;

  async onModuleInit(): Promise<void> {
    const schema = await this.sync.ensureSchema();
    this.tableCreated = schema.created;
    this.driftTableCreated = schema.driftCreated;
    this.readiness.register('meetings-database', async () => {
      await this.database.query('SELECT 1');
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // A new table knows nothing yet: meetings left unconverged before it existed (e.g. by a
    // version that dead-lettered Webex failures), and the upcoming ones to compare with Webex,
    // are found in the streams.
    if (this.tableCreated || this.driftTableCreated) {
      const rebuilt = await rebuildMeetingTables({ meetings: this.meetings, sync: this.sync });
      this.logger.log(rebuilt, 'meetings_to_converge and meetings_to_check filled from the meeting streams');
    }
    this.reconciler.start();
  }

  /** Before the transport drains: no new sweep starts, the running one finishes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.reconciler.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.end().catch(() => undefined);
  }
}

/**
 * The meeting streams, `meeting-<id>`, and their one writer: the commands other services send,
 * and the lifecycle that keeps the Webex meeting as the stream wants it (recording each wish
 * first, then reconciling, again and again until Webex agrees), acting in Webex as the
 * meeting's user.
 */
@Module({
  imports: [WebexAccountsModule, MeetingPreferencesModule],
  controllers: [MeetingsHandlers],
  providers: [
    {
      provide: MEETINGS_DATABASE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: WebexBridgeConfig) => {
        return privatePool({
          connectionString: config.DATABASE_URL,
          // The reconciler's workers, plus event handlers waiting for a meeting's lock.
          max: config.RECONCILE_CONCURRENCY + 4,
          name: 'webex-bridge-meetings',
        });
      },
    },
    {
      provide: MeetingSyncRepository,
      inject: [MEETINGS_DATABASE],
      useFactory: (pool: pg.Pool) => new MeetingSyncRepository(pool),
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
      inject: [
        MeetingStreams,
        WebexTokenStore,
        MeetingSyncRepository,
        UserMeetingPreferences,
        EVENT_STORE,
        SEALED_ENVELOPES,
        MetricsRegistry,
      ],
      useFactory: (
        meetings: MeetingStreams,
        tokens: WebexTokenStore,
        sync: MeetingSyncRepository,
        preferences: UserMeetingPreferences,
        eventStore: EventStore,
        envelopes: StreamCodec<EventEnvelope>,
        metrics: MetricsRegistry,
      ) => {
        const logger = new Logger('MeetingLifecycle');
        return new MeetingLifecycle({
          meetings,
          sync,
          registry: metrics.registry,
          webexClientFor: (userId) => tokens.webexClientFor(userId),
          // The user's preferred site and template, else the directory's site (or the
          // account's default) and its template, cached for the site TTL and read again after it.
          siteFor: (userId, tenantId) => preferences.siteFor(userId, tenantId),
          // Their language choice, else their Google locale (both read from the log).
          languageOf: (userId) => readUserLanguage(eventStore, envelopes, userId),
          onError: (meetingId, error) =>
            logger.error(
              { meetingId, error: error instanceof Error ? error.name : 'Error' },
              'reconciling the meeting failed; it is tried again after a backoff',
            ),
        });
      },
    },
    {
      provide: MeetingReconciler,
      inject: [SERVICE_CONFIG, MeetingLifecycle, MeetingSyncRepository, MetricsRegistry],
      useFactory: (
        config: WebexBridgeConfig,
        lifecycle: MeetingLifecycle,
        sync: MeetingSyncRepository,
        metrics: MetricsRegistry,
      ) =>
        new MeetingReconciler({
          lifecycle,
          sync,
          intervalMs: config.RECONCILE_INTERVAL_MS,
          driftIntervalMs: config.RECONCILE_DRIFT_INTERVAL_MS,
          concurrency: config.RECONCILE_CONCURRENCY,
          registry: metrics.registry,
        }),
    },
    MeetingsResources,
  ],
  // For the Webex webhooks: they record the real end and run a meeting's drift check through these.
  // The account erasure cancels through MeetingCommands and the reconciler, and forgets the user's rows.
  exports: [MeetingStreams, MeetingCommands, MeetingLifecycle, MeetingReconciler, MeetingSyncRepository],
})
export class MeetingsModule {}
