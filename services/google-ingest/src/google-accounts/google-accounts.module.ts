import { Logger, Module } from '@nestjs/common';
import type { EventEnvelope } from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { GoogleOAuth } from '@scheduler/google';
import { EVENT_STORE, SEALED_ENVELOPES, SERVICE_CONFIG } from '@scheduler/runtime';
import { CalendarSyncEngine } from '../calendar-sync/calendar-sync-engine.js';
import { CalendarSyncModule } from '../calendar-sync/calendar-sync.module.js';
import type { GoogleIngestConfig } from '../config.js';
import { ChannelManager } from '../watch-channels/channel-manager.js';
import { WatchChannelsModule } from '../watch-channels/watch-channels.module.js';
import { ConnectGoogleAccount } from './connect-google-account.js';
import { DisconnectGoogleAccount } from './disconnect-google-account.js';
import { GoogleAccountTasks } from './google-account-tasks.js';
import { GoogleAccountsHandlers } from './google-accounts.handlers.js';
import { GoogleTokenStore } from './google-token-store.js';
import { GoogleTokensModule } from './google-tokens.module.js';

/**
 * Connecting Google accounts (the OAuth code exchange, the googleAccount stream, the first
 * watch) and disconnecting them when Google refuses their grant.
 */
@Module({
  imports: [GoogleTokensModule, WatchChannelsModule, CalendarSyncModule],
  controllers: [GoogleAccountsHandlers],
  providers: [
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
      provide: DisconnectGoogleAccount,
      inject: [GoogleTokenStore, EVENT_STORE, SEALED_ENVELOPES, ChannelManager, CalendarSyncEngine],
      useFactory: (
        tokens: GoogleTokenStore,
        eventStore: EventStore,
        codec: StreamCodec<EventEnvelope>,
        channels: ChannelManager,
        sync: CalendarSyncEngine,
      ) => {
        const logger = new Logger('DisconnectGoogleAccount');
        const disconnection = new DisconnectGoogleAccount({
          eventStore,
          codec,
          channels,
          sync,
          logger: { info: (details, message) => logger.log(details, message) },
        });
        tokens.handleDisconnections(async (deadGrant) => {
          await disconnection.disconnect(deadGrant);
        });
        return disconnection;
      },
    },
    GoogleAccountTasks,
  ],
  exports: [GoogleTokensModule],
})
export class GoogleAccountsModule {}
