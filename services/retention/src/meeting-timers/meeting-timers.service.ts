import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { EventStore } from '@scheduler/event-store';
import { EVENT_STORE, PeriodicTask, ReadinessRegistry, SERVICE_CONFIG } from '@scheduler/runtime';
import type { RetentionConfig } from '../config.js';
import { RetentionPolicy } from './retention-policy.js';
import { TenantRetention } from './tenant-retention.js';
import type { TimerChange, TimerChangeOutcome } from './meeting-timer.js';
import { MeetingRetention, RETENTION_CLOCK, type Clock } from './meeting-retention.js';
import { RetentionMetrics } from './retention-metrics.js';
import { MeetingTimersRepository } from './meeting-timers.repository.js';

/** Timers claimed per transaction: small, so row locks are held briefly. */
const BATCH_SIZE = 25;

/**
 * The meeting timers and their loop: events arm them (MeetingTimersHandlers), and every
 * RETENTION_TIMER_INTERVAL_MS the loop works off whatever is due, in batches, until nothing is.
 * Several replicas can run it: each claims rows the others do not hold (SKIP LOCKED).
 */
@Injectable()
export class MeetingTimers
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Retention');
  private readonly policy: TenantRetention;
  private readonly loop: PeriodicTask;
  private stopping = false;

  constructor(
    @Inject(SERVICE_CONFIG) config: RetentionConfig,
    @Inject(RETENTION_CLOCK) private readonly clock: Clock,
    private readonly store: MeetingTimersRepository,
    private readonly retention: MeetingRetention,
    private readonly metrics: RetentionMetrics,
    private readonly readiness: ReadinessRegistry,
    @Inject(EVENT_STORE) eventStore: EventStore,
  ) {
    this.policy = new TenantRetention(
      eventStore,
      new RetentionPolicy(config.RETENTION_AFTER_END_SECONDS, config.RETENTION_POLICIES),
    );
    this.loop = new PeriodicTask(
      'meeting timers',
      config.RETENTION_TIMER_INTERVAL_MS,
      () => this.processDue(),
      (error) =>
        this.logger.warn(
          {
            error: error instanceof Error ? error.name : 'Error',
            reason: error instanceof Error ? error.message : String(error),
          },
          'meeting timers failed; they run again at the next interval',
        ),
    );
  }

  async onModuleInit(): Promise<void> {
    // Idempotent; a database that is down fails the start.
    await this.store.ensureSchema();
    this.readiness.register('private-database', () => this.store.ping());
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  /** Arms or moves a meeting's timer for one meeting event, under the tenant's policy. */
  async record(eventType: string, change: TimerChange): Promise<TimerChangeOutcome> {
    const outcome = await this.store.apply(change, await this.policy.secondsAfterEnd(change.tenantId));
    if (outcome.kind === 'armed') this.metrics.timersArmed.inc({ event: eventType });
    return outcome;
  }

  /** One pass of the loop: every timer due now, batch after batch. */
  async processDue(): Promise<void> {
    await this.clock.synchronize?.();
    const now = this.clock.now();
    let claimed: number;
    do {
      claimed = await this.store.processDue(now, BATCH_SIZE, (timer) => this.retention.process(timer, now));
    } while (claimed === BATCH_SIZE && !this.stopping);
  }

  /** Before the transport drains: no new pass starts, and the running one finishes on open connections. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.loop.stop();
  }

  /** After the transport drained: no handler still needs the pool. */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
