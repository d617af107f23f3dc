import { Module } from '@nestjs/common';
import { CalendarEventReader } from '../calendar-events/calendar-event-reader.js';
import { GoogleTokensModule } from '../google-accounts/google-tokens.module.js';
import { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import { GmailEventsHandlers } from './gmail-events.handlers.js';
import { MessageEventCreator } from './message-event-creator.js';

/** CreateCalendarEventFromMessage: a Gmail message (its metadata only) becomes a calendar event. */
@Module({
  imports: [GoogleTokensModule],
  controllers: [GmailEventsHandlers],
  providers: [
    {
      provide: MessageEventCreator,
      inject: [GoogleTokenStore],
      useFactory: (tokens: GoogleTokenStore) =>
        new MessageEventCreator({ tokens, reader: new CalendarEventReader({ tokens }) }),
    },
  ],
})
export class GmailEventsModule {}
