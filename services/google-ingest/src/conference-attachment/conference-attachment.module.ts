import { Module } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import type { EventEnvelope } from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { BUS_CLIENT, EVENT_STORE, SEALED_ENVELOPES } from '@scheduler/runtime';
import { CalendarSyncEngine } from '../calendar-sync/calendar-sync-engine.js';
import { CalendarSyncModule } from '../calendar-sync/calendar-sync.module.js';
import { GoogleTokensModule } from '../google-accounts/google-tokens.module.js';
import { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import { ChannelManager } from '../watch-channels/channel-manager.js';
import { WatchChannelsModule } from '../watch-channels/watch-channels.module.js';
import { ConferenceAttacher } from './conference-attacher.js';
import { ConferenceAttachmentHandlers } from './conference-attachment.handlers.js';
import { BusMeetingRecorder } from './meeting-recorder.js';

/** On MeetingScheduled: our conference into the Google event, ConferenceAttached through webex-bridge. */
@Module({
  imports: [GoogleTokensModule, WatchChannelsModule, CalendarSyncModule],
  controllers: [ConferenceAttachmentHandlers],
  providers: [
    {
      provide: ConferenceAttacher,
      inject: [
        EVENT_STORE,
        SEALED_ENVELOPES,
        GoogleTokenStore,
        BUS_CLIENT,
        ChannelManager,
        CalendarSyncEngine,
      ],
      useFactory: (
        eventStore: EventStore,
        codec: StreamCodec<EventEnvelope>,
        tokens: GoogleTokenStore,
        bus: ClientProxy,
        watches: ChannelManager,
        links: CalendarSyncEngine,
      ) =>
        new ConferenceAttacher({
          eventStore,
          codec,
          tokens,
          meetings: new BusMeetingRecorder(bus),
          watches,
          links,
        }),
    },
  ],
})
export class ConferenceAttachmentModule {}
