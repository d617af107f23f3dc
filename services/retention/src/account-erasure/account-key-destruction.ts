import type { ClientProxy } from '@nestjs/microservices';
import { sendCommand } from '@scheduler/bus';
import {
  AccountErased,
  AccountErasureStepCompleted,
  RecordAccountErased,
  type EventEnvelope,
} from '@scheduler/contracts';
import { userSubject, type SecretBox } from '@scheduler/crypto-shredding';
import { readStreamEvents, type EventStore, type StreamCodec } from '@scheduler/event-store';
import type { Clock, MeetingRetention, RetentionLogger } from '../meeting-timers/meeting-retention.js';
import type { MeetingTimersRepository } from '../meeting-timers/meeting-timers.repository.js';

export interface AccountKeyDestructionOptions {
  readonly eventStore: EventStore;
  readonly codec: StreamCodec<EventEnvelope>;
  readonly retention: Pick<MeetingRetention, 'purgeMeetingData'>;
  readonly timers: Pick<MeetingTimersRepository, 'get' | 'markPurged'>;
  readonly secretBox: SecretBox;
  readonly bus: Pick<ClientProxy, 'send'>;
  readonly clock: Clock;
  readonly logger: RetentionLogger;
}

export interface KeyDestructionTrigger {
  readonly userId: string;
  readonly tenantId: string;
  readonly cause: {
    readonly id: string;
    readonly correlationId: string;
    readonly traceparent: string | null;
  };
}

/**
 * The last step of a user's erasure, after webex-bridge's and google-ingest's: every meeting of
 * the user (named by webex-bridge's step) is purged as a due timer is (key forgotten, then
 * MeetingDataPurged), their timers are final, then the user's key `user:<id>` is forgotten and
 * webex-bridge records AccountErased. Every step can be repeated, so a redelivery after a crash
 * completes what is missing.
 */
export class AccountKeyDestruction {
  constructor(private readonly options: AccountKeyDestructionOptions) {}

  async destroy(trigger: KeyDestructionTrigger): Promise<'erased' | 'erased-before' | 'not-ready'> {
    const { userId, tenantId } = trigger;
    const { events } = await readStreamEvents(
      this.options.eventStore,
      `accountErasure-${userId}`,
      this.options.codec,
    );
    if (events.some(AccountErased.is)) return 'erased-before';
    const steps = events.filter(AccountErasureStepCompleted.is);
    const webexStep = steps.find((event) => event.data.step === 'webex-bridge');
    if (!webexStep || !steps.some((event) => event.data.step === 'google-ingest')) return 'not-ready';
    await this.options.clock.synchronize?.();
    const now = this.options.clock.now();
    const trace = {
      correlationId: trigger.cause.correlationId,
      causationId: trigger.cause.id,
      traceparent: trigger.cause.traceparent,
    };
    const meetingIds = webexStep.data.meetingIds ?? [];
    for (const meetingId of meetingIds) {
      const timer = await this.options.timers.get(meetingId);
      await this.options.retention.purgeMeetingData({
        meetingId,
        tenantId,
        trace,
        purgedAt: now,
        retentionAfterEndSeconds: timer?.retentionAfterEndSeconds ?? 0,
      });
    }
    await this.options.timers.markPurged(meetingIds);
    await this.options.secretBox.keys.forget(userSubject(userId));
    const { outcome } = await sendCommand(this.options.bus, RecordAccountErased, {
      tenantId,
      userId,
      erasedAt: now.toISOString(),
      meetingsPurged: meetingIds.length,
      trace,
    });
    this.options.logger.log(
      { userId, meetingsPurged: meetingIds.length, outcome },
      'account erased: keys destroyed',
    );
    return 'erased';
  }
}
