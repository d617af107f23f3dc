import { Module } from '@nestjs/common';
import type { EventEnvelope } from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { EVENT_STORE, SEALED_ENVELOPES } from '@scheduler/runtime';
import { CalendarSyncEngine } from '../calendar-sync/calendar-sync-engine.js';
import { CalendarSyncModule } from '../calendar-sync/calendar-sync.module.js';
import { GoogleTokensModule } from '../google-accounts/google-tokens.module.js';
import { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import { ConferenceRemovalHandlers } from './conference-removal.handlers.js';
import { ConferenceRemover } from './conference-remover.js';

/** On MeetingCancelled{user-request}: our conference off the Google event, the event kept. */
@Module({
  imports: [GoogleTokensModule, CalendarSyncModule],
  controllers: [ConferenceRemovalHandlers],
  providers: [
    {
      provide: ConferenceRemover,
      inject: [EVENT_STORE, SEALED_ENVELOPES, GoogleTokenStore, CalendarSyncEngine],
      useFactory: (
        eventStore: EventStore,
        codec: StreamCodec<EventEnvelope>,
        tokens: GoogleTokenStore,
        sync: CalendarSyncEngine,
      ) => new ConferenceRemover({ eventStore, codec, tokens, sync }),
    },
  ],
  // The account erasure takes our conference off the events of the meetings it cancelled.
  exports: [ConferenceRemover],
})
export class ConferenceRemovalModule {}
