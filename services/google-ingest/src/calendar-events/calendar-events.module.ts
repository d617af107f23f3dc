import { Module } from '@nestjs/common';
import { GoogleAccountsModule } from '../google-accounts/google-accounts.module.js';
import { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import { CalendarEventReader } from './calendar-event-reader.js';
import { CalendarEventsHandlers } from './calendar-events.handlers.js';

/** ReadCalendarEvent: one event of a user's calendar, read from Google. */
@Module({
  imports: [GoogleAccountsModule],
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
