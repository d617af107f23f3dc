import { type DynamicModule, Logger, Module } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import type { EventEnvelope } from '@scheduler/contracts';
import { SecretBox } from '@scheduler/crypto-shredding';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { BUS_CLIENT, EVENT_STORE, SEALED_ENVELOPES } from '@scheduler/runtime';
import { MeetingRetention, RETENTION_CLOCK, type Clock } from '../meeting-timers/meeting-retention.js';
import { MeetingTimersRepository } from '../meeting-timers/meeting-timers.repository.js';
import { AccountErasureHandlers } from './account-erasure.handlers.js';
import { AccountKeyDestruction } from './account-key-destruction.js';

/** Retention's step of a user's erasure (`DELETE /v1/me`): their keys are destroyed. */
@Module({})
export class AccountErasureModule {
  /** `timers`: the service's MeetingTimersModule, whose purge and timers it uses. */
  static register(timers: DynamicModule): DynamicModule {
    return {
      module: AccountErasureModule,
      imports: [timers],
      controllers: [AccountErasureHandlers],
      providers: [
        {
          provide: AccountKeyDestruction,
          inject: [
            EVENT_STORE,
            SEALED_ENVELOPES,
            MeetingRetention,
            MeetingTimersRepository,
            SecretBox,
            BUS_CLIENT,
            RETENTION_CLOCK,
          ],
          useFactory: (
            eventStore: EventStore,
            codec: StreamCodec<EventEnvelope>,
            retention: MeetingRetention,
            timers: MeetingTimersRepository,
            secretBox: SecretBox,
            bus: ClientProxy,
            timerClock: Clock,
          ) => {
            const logger = new Logger('AccountErasure');
            return new AccountKeyDestruction({
              eventStore,
              codec,
              retention,
              timers,
              secretBox,
              bus,
              clock: timerClock,
              logger: {
                log: (details, message) => logger.log(details, message),
                warn: (details, message) => logger.warn(details, message),
              },
            });
          },
        },
      ],
    };
  }
}
