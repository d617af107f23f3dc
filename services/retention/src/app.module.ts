import { type DynamicModule, Module } from '@nestjs/common';
import { EventPlatformModule, RuntimeModule } from '@scheduler/runtime';
import type { RetentionConfig } from './config.js';
import type { Clock } from './meeting-timers/meeting-retention.js';
import { AccountErasureModule } from './account-erasure/account-erasure.module.js';
import { MeetingTimersModule } from './meeting-timers/meeting-timers.module.js';

export interface RetentionModuleOptions {
  /**
   * The name this instance runs under: metrics label and (through createServiceApp) the durable
   * consumer's name. Default 'retention'; tests pass a unique one so that their consumer is their
   * own on a shared nats-server.
   */
  readonly service?: string;
  /** Where the timers take the time from; tests move it forward. Default: the system clock. */
  readonly clock?: Clock;
}

/** retention: durable meeting-end timers and the purge of personal data by destroying keys. */
@Module({})
export class RetentionModule {
  static forRoot(config: RetentionConfig, options: RetentionModuleOptions = {}): DynamicModule {
    const service = options.service ?? 'retention';
    // One instance: the account erasure imports this very module object (its loop runs once).
    const timers = MeetingTimersModule.register(options.clock);
    return {
      module: RetentionModule,
      imports: [
        RuntimeModule.forRoot({ service, config }),
        // retention produces no events: it asks webex-bridge to record them, so it runs no relay.
        EventPlatformModule.forRoot({ service: 'retention', relayName: service }),
        timers,
        AccountErasureModule.register(timers),
      ],
    };
  }
}
