import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { EventEnvelope } from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { privatePool } from '@scheduler/postgres-migrations';
import { EVENT_STORE, SEALED_ENVELOPES, SERVICE_CONFIG } from '@scheduler/runtime';
import type pg from 'pg';
import type { WebexBridgeConfig } from '../config.js';
import { MeetingCommands } from '../meetings/meeting-commands.js';
import { MeetingReconciler } from '../meetings/meeting-reconciler.js';
import { MeetingStreams } from '../meetings/meeting-stream.js';
import { MeetingSyncRepository } from '../meetings/meeting-sync.repository.js';
import { MeetingsModule } from '../meetings/meetings.module.js';
import { WebexAccountsModule } from '../webex-accounts/webex-accounts.module.js';
import { WebexAccountsRepository } from '../webex-accounts/webex-accounts.repository.js';
import { WebexWebhooksModule } from '../webex-webhooks/webex-webhooks.module.js';
import { WebhookRegistrations } from '../webex-webhooks/webhook-registrations.js';
import { AccountErasure } from './account-erasure.js';
import { AccountErasureHandlers } from './account-erasure.handlers.js';
import { AccountErasureRepository } from './account-erasure.repository.js';

const ACCOUNT_ERASURE_DATABASE = Symbol('ACCOUNT_ERASURE_DATABASE');

/** The schema, and the periodic pass over unfinished erasures. */
@Injectable()
class AccountErasureTasks
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private readonly logger = new Logger('AccountErasure');

  constructor(
    @Inject(ACCOUNT_ERASURE_DATABASE) private readonly database: pg.Pool,
    @Inject(AccountErasureRepository) private readonly repository: AccountErasureRepository,
    @Inject(AccountErasure) private readonly erasure: AccountErasure,
    @Inject(SERVICE_CONFIG) private readonly config: WebexBridgeConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.repository.ensureSchema();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running = this.erasure
        .advanceAll()
        .catch((error: unknown) =>
          this.logger.warn(
            { error: error instanceof Error ? error.name : 'Error' },
            'account erasure pass failed',
          ),
        );
    }, this.config.ACCOUNT_ERASURE_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.end().catch(() => undefined);
  }
}

/**
 * A user's erasure (`DELETE /v1/me`): the writer of `accountErasure-<userId>` and
 * webex-bridge's own step (meetings cancelled or kept, webhooks, Webex tokens and rows deleted).
 */
@Module({
  imports: [WebexAccountsModule, MeetingsModule, WebexWebhooksModule],
  controllers: [AccountErasureHandlers],
  providers: [
    {
      provide: ACCOUNT_ERASURE_DATABASE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: WebexBridgeConfig) =>
        privatePool({ connectionString: config.DATABASE_URL, max: 2, name: 'webex-bridge-account-erasure' }),
    },
    {
      provide: AccountErasureRepository,
      inject: [ACCOUNT_ERASURE_DATABASE],
      useFactory: (pool: pg.Pool) => new AccountErasureRepository(pool),
    },
    {
      provide: AccountErasure,
      inject: [
        SERVICE_CONFIG,
        EVENT_STORE,
        SEALED_ENVELOPES,
        MeetingStreams,
        MeetingCommands,
        MeetingReconciler,
        MeetingSyncRepository,
        WebexAccountsRepository,
        WebhookRegistrations,
        AccountErasureRepository,
      ],
      useFactory: (
        config: WebexBridgeConfig,
        store: EventStore,
        envelopes: StreamCodec<EventEnvelope>,
        meetings: MeetingStreams,
        commands: MeetingCommands,
        reconciler: MeetingReconciler,
        sync: MeetingSyncRepository,
        accounts: WebexAccountsRepository,
        webhooks: WebhookRegistrations | null,
        repository: AccountErasureRepository,
      ) =>
        new AccountErasure({
          store,
          envelopes,
          meetings,
          commands,
          repository,
          meetingDue: (meetingId, userId) => reconciler.meetingDue(meetingId, userId),
          forgetUser: async (userId) => {
            // The webhooks first: deleting them in Webex needs the token deleted next.
            await webhooks?.deregister(userId);
            await sync.forgetUser(userId);
            await accounts.forgetUser(userId);
          },
          cancelWaitMs: config.ACCOUNT_ERASURE_CANCEL_WAIT_MS,
          logger: new Logger('AccountErasure'),
        }),
    },
    AccountErasureTasks,
  ],
})
export class AccountErasureModule {}
