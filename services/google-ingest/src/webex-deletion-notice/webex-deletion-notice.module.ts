import { Module } from '@nestjs/common';
import type { EventEnvelope } from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { EVENT_STORE, SEALED_ENVELOPES } from '@scheduler/runtime';
import { GoogleTokensModule } from '../google-accounts/google-tokens.module.js';
import { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import { DeletedInWebexNotice } from './deleted-in-webex-notice.js';
import { WebexDeletionNoticeHandlers } from './webex-deletion-notice.handlers.js';

/** On MeetingDriftDetected{deleted}: the calendar event's conference says the Webex meeting was deleted in Webex. */
@Module({
  imports: [GoogleTokensModule],
  controllers: [WebexDeletionNoticeHandlers],
  providers: [
    {
      provide: DeletedInWebexNotice,
      inject: [EVENT_STORE, SEALED_ENVELOPES, GoogleTokenStore],
      useFactory: (eventStore: EventStore, codec: StreamCodec<EventEnvelope>, tokens: GoogleTokenStore) =>
        new DeletedInWebexNotice({ eventStore, codec, tokens }),
    },
  ],
})
export class WebexDeletionNoticeModule {}
