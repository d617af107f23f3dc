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
import { SecretBox } from '@scheduler/crypto-shredding';
import type { EventStore } from '@scheduler/event-store';
import { EVENT_STORE, SERVICE_CONFIG } from '@scheduler/runtime';
import type pg from 'pg';
import { privatePool } from '@scheduler/postgres-migrations';
import type { WebexBridgeConfig } from '../config.js';
import { MeetingCommands } from '../meetings/meeting-commands.js';
import { MeetingLifecycle } from '../meetings/meeting-lifecycle.js';
import { MeetingStreams } from '../meetings/meeting-stream.js';
import { MeetingsModule } from '../meetings/meetings.module.js';
import { WebexAccountsModule } from '../webex-accounts/webex-accounts.module.js';
import { WebexAccountsRepository } from '../webex-accounts/webex-accounts.repository.js';
import { WebexTokenStore } from '../webex-accounts/webex-token-store.js';
import { rebuildMeetingLinks } from './meeting-links.js';
import { WebexWebhookReceiver } from './webex-webhook-receiver.js';
import { WebexWebhooksController } from './webex-webhooks.controller.js';
import { WebexWebhooksHandlers } from './webex-webhooks.handlers.js';
import { WebexWebhooksRepository } from './webex-webhooks.repository.js';
import { WebhookRegistrations, meetingsWebhookPath } from './webhook-registrations.js';

const WEBEX_WEBHOOKS_DATABASE = Symbol('WEBEX_WEBHOOKS_DATABASE');

/** The schema, the links rebuilt when new, the webhooks checked at start, and the pool. */
@Injectable()
class WebexWebhooksResources
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('WebexWebhooks');
  private linksCreated = false;
  private checking: Promise<void> | undefined;
  private stopping = false;

  constructor(
    @Inject(WEBEX_WEBHOOKS_DATABASE) private readonly database: pg.Pool,
    @Inject(WebexWebhooksRepository) private readonly repository: WebexWebhooksRepository,
    @Inject(WebhookRegistrations) private readonly registrations: WebhookRegistrations | null,
    @Inject(WebexAccountsRepository) private readonly accounts: WebexAccountsRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(WebexWebhookReceiver) private readonly receiver: WebexWebhookReceiver,
  ) {}

  async onModuleInit(): Promise<void> {
    this.linksCreated = (await this.repository.ensureSchema()).linksCreated;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.linksCreated) {
      const linked = await rebuildMeetingLinks(this.store, this.repository);
      this.logger.log({ linked }, 'webex_meeting_links filled from the meeting streams');
    }
    if (!this.registrations) {
      this.logger.warn('PUBLIC_WEBHOOK_BASE_URL is not set: no Webex webhooks are registered');
      return;
    }
    // In the background: a start must not wait for Webex. Idempotent, so every replica may do it.
    this.checking = this.checkConnectedUsers(this.registrations);
  }

  /** Before the meetings feature stops: no drift check of a notification is left running. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.checking, this.receiver.stop()]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.end().catch(() => undefined);
  }

  private async checkConnectedUsers(registrations: WebhookRegistrations): Promise<void> {
    let registered = 0;
    let failed = 0;
    try {
      for (const userId of await this.accounts.connectedUserIds()) {
        if (this.stopping) break;
        try {
          if ((await registrations.register(userId)) === 'registered') registered++;
        } catch {
          failed++;
        }
      }
      this.logger.log({ registered, failed }, 'meetings webhooks of the connected users checked');
    } catch (error) {
      this.logger.warn(
        { error: error instanceof Error ? error.name : 'Error' },
        'the meetings webhooks could not be checked at start',
      );
    }
  }
}

/**
 * Webex's meetings webhooks: one per connected user, registered at connect (and checked at
 * start), and the receiver that turns Webex's own changes into work for the meeting lifecycle:
 * an update or a deletion runs the meeting's drift check at once, the real end is recorded on
 * the meeting stream.
 */
@Module({
  imports: [WebexAccountsModule, MeetingsModule],
  controllers: [WebexWebhooksController, WebexWebhooksHandlers],
  providers: [
    {
      provide: WEBEX_WEBHOOKS_DATABASE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: WebexBridgeConfig) => {
        return privatePool({ connectionString: config.DATABASE_URL, max: 4, name: 'webex-bridge-webhooks' });
      },
    },
    {
      provide: WebexWebhooksRepository,
      inject: [WEBEX_WEBHOOKS_DATABASE],
      useFactory: (pool: pg.Pool) => new WebexWebhooksRepository(pool),
    },
    {
      provide: WebhookRegistrations,
      inject: [SERVICE_CONFIG, WebexWebhooksRepository, SecretBox, WebexTokenStore],
      useFactory: (
        config: WebexBridgeConfig,
        repository: WebexWebhooksRepository,
        secretBox: SecretBox,
        tokens: WebexTokenStore,
      ) =>
        config.PUBLIC_WEBHOOK_BASE_URL
          ? new WebhookRegistrations({
              repository,
              secretBox,
              webexClientFor: (userId) => tokens.webexClientFor(userId),
              targetUrl: `${config.PUBLIC_WEBHOOK_BASE_URL.replace(/\/+$/, '')}${meetingsWebhookPath}`,
            })
          : null,
    },
    {
      provide: WebexWebhookReceiver,
      inject: [
        WebhookRegistrations,
        WebexWebhooksRepository,
        MeetingStreams,
        MeetingCommands,
        MeetingLifecycle,
      ],
      useFactory: (
        registrations: WebhookRegistrations | null,
        repository: WebexWebhooksRepository,
        meetings: MeetingStreams,
        commands: MeetingCommands,
        lifecycle: MeetingLifecycle,
      ) => {
        const logger = new Logger('WebexWebhooks');
        return new WebexWebhookReceiver({
          registrations: registrations ?? { secretOfWebhook: async () => undefined },
          repository,
          meetings,
          commands,
          checkDrift: (meetingId, userId) => lifecycle.checkDrift(meetingId, userId),
          onError: (meetingId, error) =>
            logger.warn(
              { meetingId, error: error instanceof Error ? error.name : 'Error' },
              "a notification's drift check failed; the periodic one compares the meeting again",
            ),
        });
      },
    },
    WebexWebhooksResources,
  ],
  // For the account erasure: it deletes the user's webhooks while their token still works.
  exports: [WebhookRegistrations],
})
export class WebexWebhooksModule {}
