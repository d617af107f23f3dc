import { Logger, Module } from '@nestjs/common';
import type pg from 'pg';
import type { EventEnvelope } from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { EVENT_STORE, SEALED_ENVELOPES, SERVICE_CONFIG, keyEncryptionKeysOf } from '@scheduler/runtime';
import { CalendarSyncEngine } from '../calendar-sync/calendar-sync-engine.js';
import { CalendarSyncModule } from '../calendar-sync/calendar-sync.module.js';
import type { GoogleIngestConfig } from '../config.js';
import { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import { GoogleTokensModule } from '../google-accounts/google-tokens.module.js';
import { PRIVATE_DATABASE } from '../private-database.js';
import { CALENDAR_WEBHOOK_PATH, CalendarWebhookController } from './calendar-webhook.controller.js';
import { ChannelIds } from './channel-ids.js';
import { ChannelManager } from './channel-manager.js';
import { WatchChannelTasks } from './watch-channel-tasks.js';

const describeError = (error: unknown) =>
  error instanceof Error ? { error: error.name, reason: error.message } : { reason: String(error) };

/** Push channels on the users' calendars: the webhook, renewal, and the syncs they cause. */
@Module({
  imports: [CalendarSyncModule, GoogleTokensModule],
  controllers: [CalendarWebhookController],
  providers: [
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
          channelIds: ChannelIds.fromKeyRing(keyEncryptionKeysOf(config)),
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
    WatchChannelTasks,
  ],
  exports: [ChannelManager],
})
export class WatchChannelsModule {}
