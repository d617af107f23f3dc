import { Module } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import type pg from 'pg';
import type { EventEnvelope } from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { BUS_CLIENT, EVENT_STORE, MetricsRegistry, SEALED_ENVELOPES } from '@scheduler/runtime';
import { BusMeetingRecorder } from '../conference-attachment/meeting-recorder.js';
import { PRIVATE_DATABASE } from '../private-database.js';
import { CalendarSyncEngine } from './calendar-sync-engine.js';

/** Google Calendar changes of events that carry our conference, as CalendarEventChanged. */
@Module({
  providers: [
    {
      provide: CalendarSyncEngine,
      inject: [PRIVATE_DATABASE, EVENT_STORE, SEALED_ENVELOPES, BUS_CLIENT, MetricsRegistry],
      useFactory: (
        pool: pg.Pool,
        eventStore: EventStore,
        codec: StreamCodec<EventEnvelope>,
        bus: ClientProxy,
        metrics: MetricsRegistry,
      ) =>
        new CalendarSyncEngine({
          pool,
          eventStore,
          codec,
          meetings: new BusMeetingRecorder(bus),
          registry: metrics.registry,
        }),
    },
  ],
  exports: [CalendarSyncEngine],
})
export class CalendarSyncModule {}
