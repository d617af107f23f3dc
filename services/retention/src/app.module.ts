import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { MeetingDataPurged, MeetingEnded } from '@scheduler/contracts';
import { PersonalDataCodec, SecretBox } from '@scheduler/crypto-shredding';
import type { EventStore } from '@scheduler/event-store';
import { EVENT_STORE, EventPlatformModule, MetricsRegistry, RuntimeModule } from '@scheduler/runtime';
import pg from 'pg';
import type { RetentionConfig } from './config.js';
import { MeetingRetention, systemClock, type Clock } from './timers/meeting-retention.js';
import { RetentionMetrics } from './timers/retention-metrics.js';
import { TimerStore } from './timers/timer-store.js';
import { RetentionHandlers } from './wiring/retention-handlers.js';
import { RetentionTimers } from './wiring/retention-timers.js';
import { RETENTION_CLOCK, RETENTION_DATABASE } from './wiring/tokens.js';

export interface RetentionModuleOptions {
  /**
   * The service name: relay name, metrics label and (through createServiceApp) the durable
   * consumer's name. Default 'retention'; tests pass a unique one so that their consumer and
   * relay checkpoint are their own on a shared nats-server.
   */
  readonly service?: string;
  /** Where the timers take the time from; tests move it forward. Default: the system clock. */
  readonly clock?: Clock;
}

/** The events retention appends; its relay publishes exactly these. */
export const retentionProduces = [MeetingEnded, MeetingDataPurged] as const;

/** Durable meeting-end timers and the purge of personal data by destroying keys. */
@Module({})
export class RetentionModule {
  static forRoot(config: RetentionConfig, options: RetentionModuleOptions = {}): DynamicModule {
    const service = options.service ?? 'retention';
    return {
      module: RetentionModule,
      imports: [
        RuntimeModule.forRoot({ service, config }),
        EventPlatformModule.forRoot({ service, produces: retentionProduces }),
      ],
      controllers: [RetentionHandlers],
      providers: [
        {
          provide: RETENTION_DATABASE,
          useFactory: () => {
            const pool = new pg.Pool({
              connectionString: config.DATABASE_URL,
              max: 4,
              application_name: service,
            });
            // An idle connection dropped by the server (restart, failover) is emitted on the pool
            // and would crash the process unhandled; the next query reports a real outage.
            pool.on('error', () => undefined);
            return pool;
          },
        },
        { provide: RETENTION_CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: TimerStore,
          inject: [RETENTION_DATABASE],
          useFactory: (pool: pg.Pool) => new TimerStore(pool),
        },
        {
          provide: RetentionMetrics,
          inject: [MetricsRegistry],
          useFactory: (metrics: MetricsRegistry) => new RetentionMetrics(metrics.registry),
        },
        {
          provide: MeetingRetention,
          inject: [EVENT_STORE, SecretBox, PersonalDataCodec, RetentionMetrics],
          useFactory: (
            eventStore: EventStore,
            secretBox: SecretBox,
            codec: PersonalDataCodec,
            metrics: RetentionMetrics,
          ) => {
            const logger = new Logger('Retention');
            return new MeetingRetention({
              eventStore,
              secretBox,
              codec,
              metrics,
              logger: {
                log: (details, message) => logger.log(details, message),
                warn: (details, message) => logger.warn(details, message),
              },
            });
          },
        },
        RetentionTimers,
      ],
    };
  }
}
