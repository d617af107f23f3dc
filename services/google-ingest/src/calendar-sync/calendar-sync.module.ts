import { Module } from '@nestjs/common';
import type pg from 'pg';
import type { EventEnvelope } from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { EVENT_STORE, SEALED_ENVELOPES } from '@scheduler/runtime';
import { PRIVATE_DATABASE } from '../private-database.js';
import { CalendarSyncEngine } from './calendar-sync-engine.js';

/** Google Calendar changes of events that carry our conference, as CalendarEventChanged. */
@Module({
  providers: [
    {
      provide: CalendarSyncEngine,
      inject: [PRIVATE_DATABASE, EVENT_STORE, SEALED_ENVELOPES],
      useFactory: (pool: pg.Pool, eventStore: EventStore, codec: StreamCodec<EventEnvelope>) =>
        new CalendarSyncEngine({ pool, eventStore, codec }),
    },
  ],
  exports: [CalendarSyncEngine],
})
export class CalendarSyncModule {}
