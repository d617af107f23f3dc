import { Logger, Module } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import type { EventEnvelope } from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { BUS_CLIENT, EVENT_STORE, SEALED_ENVELOPES } from '@scheduler/runtime';
import type pg from 'pg';
import { ConferenceRemovalModule } from '../conference-removal/conference-removal.module.js';
import { ConferenceRemover } from '../conference-removal/conference-remover.js';
import { GoogleTokensModule } from '../google-accounts/google-tokens.module.js';
import { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import { PRIVATE_DATABASE } from '../private-database.js';
import { ChannelManager } from '../watch-channels/channel-manager.js';
import { WatchChannelsModule } from '../watch-channels/watch-channels.module.js';
import { AccountErasureHandlers } from './account-erasure.handlers.js';
import { GoogleErasureRepository } from './account-erasure.repository.js';
import { GoogleAccountErasure } from './google-account-erasure.js';

/** google-ingest's step of a user's erasure (`DELETE /v1/me`). */
@Module({
  imports: [GoogleTokensModule, WatchChannelsModule, ConferenceRemovalModule],
  controllers: [AccountErasureHandlers],
  providers: [
    {
      provide: GoogleAccountErasure,
      inject: [
        EVENT_STORE,
        SEALED_ENVELOPES,
        GoogleTokenStore,
        ChannelManager,
        ConferenceRemover,
        PRIVATE_DATABASE,
        BUS_CLIENT,
      ],
      useFactory: (
        eventStore: EventStore,
        codec: StreamCodec<EventEnvelope>,
        tokens: GoogleTokenStore,
        channels: ChannelManager,
        remover: ConferenceRemover,
        pool: pg.Pool,
        bus: ClientProxy,
      ) =>
        new GoogleAccountErasure({
          eventStore,
          codec,
          tokens,
          channels,
          remover,
          repository: new GoogleErasureRepository(pool),
          bus,
          logger: new Logger('AccountErasure'),
        }),
    },
  ],
})
export class AccountErasureModule {}
