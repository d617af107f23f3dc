import { type DynamicModule, Logger, Module } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { SecretBox } from '@scheduler/crypto-shredding';
import { BUS_CLIENT, MetricsRegistry, SERVICE_CONFIG } from '@scheduler/runtime';
import { privatePool } from '@scheduler/postgres-migrations';
import type { RetentionConfig } from '../config.js';
import { MeetingRetention, RETENTION_CLOCK, systemClock, type Clock } from './meeting-retention.js';
import { MeetingTimersHandlers } from './meeting-timers.handlers.js';
import { MeetingTimersRepository } from './meeting-timers.repository.js';
import { MeetingTimers } from './meeting-timers.service.js';
import { RemoteClock } from './remote-clock.js';
import { RetentionMetrics } from './retention-metrics.js';

/**
 * Durable meeting-end timers: meeting events arm them, and when one is due the meeting ends and
 * its personal data is purged by destroying its key.
 */
@Module({})
export class MeetingTimersModule {
  /**
   * `clock`: where the timers take the time from; in-process tests move it forward. Without one,
   * RETENTION_CLOCK_URL (test stacks only) or the system clock.
   */
  static register(clock?: Clock): DynamicModule {
    return {
      module: MeetingTimersModule,
      controllers: [MeetingTimersHandlers],
      providers: [
        {
          provide: RETENTION_CLOCK,
          inject: [SERVICE_CONFIG],
          useFactory: (config: RetentionConfig): Clock =>
            clock ??
            (config.RETENTION_CLOCK_URL === undefined
              ? systemClock
              : new RemoteClock(config.RETENTION_CLOCK_URL, config.RETENTION_CLOCK_TOKEN)),
        },
        {
          provide: MeetingTimersRepository,
          inject: [SERVICE_CONFIG],
          useFactory: (config: RetentionConfig) =>
            new MeetingTimersRepository(
              privatePool({ connectionString: config.DATABASE_URL, max: 4, name: 'retention' }),
            ),
        },
        {
          provide: RetentionMetrics,
          inject: [MetricsRegistry],
          useFactory: (metrics: MetricsRegistry) => new RetentionMetrics(metrics.registry),
        },
        {
          provide: MeetingRetention,
          inject: [BUS_CLIENT, SecretBox, RetentionMetrics],
          useFactory: (bus: ClientProxy, secretBox: SecretBox, metrics: RetentionMetrics) => {
            const logger = new Logger('Retention');
            return new MeetingRetention({
              bus,
              secretBox,
              metrics,
              logger: {
                log: (details, message) => logger.log(details, message),
                warn: (details, message) => logger.warn(details, message),
              },
            });
          },
        },
        MeetingTimers,
      ],
      // The account erasure purges through the same mechanism and marks the timers purged.
      exports: [MeetingRetention, MeetingTimersRepository, RETENTION_CLOCK],
    };
  }
}
