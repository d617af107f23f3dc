import { Module } from '@nestjs/common';
import { GoogleTokensModule } from '../google-accounts/google-tokens.module.js';
import { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import { CalendarEventReader } from './calendar-event-reader.js';
import { CalendarEventsHandlers } from './calendar-events.handlers.js';

/** ReadCalendarEvent: one event of a user's calendar, read from Google. */
@Module({
  imports: [GoogleTokensModule],
  controllers: [CalendarEventsHandlers],
  providers: [
    {
      provide: CalendarEventReader,
      inject: [GoogleTokenStore],
      useFactory: (tokens: GoogleTokenStore) => new CalendarEventReader({ tokens }),
    },
  ],
})
export class CalendarEventsModule {}
