import { MeetingDataPurged, MeetingEnded, createEvent, type EventEnvelope } from '@scheduler/contracts';
import { meetingSubject, type PersonalDataCodec, type SecretBox } from '@scheduler/crypto-shredding';
import {
  type EventStore,
  ExpectedVersionConflictError,
  StreamDeletedError,
  StreamNotFoundError,
  envelopeToEventToAppend,
} from '@scheduler/event-store';
import { dueStep, retryDelayMs, type MeetingTimer, type TimerStep } from './meeting-timer.js';
import type { RetentionMetrics } from './retention-metrics.js';
import type { ClaimedTimer, TimerOutcome } from './timer-store.js';

/** Where time comes from: tests move it forward instead of waiting. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Ids and kinds only: never titles, invitees or anything else personal. */
export interface RetentionLogger {
  log(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface MeetingRetentionOptions {
  readonly eventStore: EventStore;
  /** Its subject keys forget in the shared data-key store and in this process's key cache. */
  readonly secretBox: SecretBox;
  readonly codec: PersonalDataCodec;
  readonly metrics: RetentionMetrics;
  readonly logger: RetentionLogger;
}

/** Appends that lose a race with another writer of the stream re-read and try again this often. */
const MAX_APPEND_ATTEMPTS = 5;

type AppendOutcome = 'appended' | 'already-recorded' | 'stream-gone';

/**
 * What happens when a meeting timer is due: the meeting ends (MeetingEnded) and, per policy,
 * its key is forgotten and MeetingDataPurged recorded.
 *
 * Every step is idempotent, because a crash between the step and the timer row's update repeats
 * it: an event is appended only if the stream does not hold one of its type yet (the append
 * expects the revision that was read, so a concurrent writer cannot slip one in between), and
 * forgetting a key twice is a no-op. The key is forgotten before MeetingDataPurged is appended:
 * the event states a fact, so it must never come first.
 */
export class MeetingRetention {
  constructor(private readonly options: MeetingRetentionOptions) {}

  /** Runs every step that is due; never throws (a failure is returned as a retry time). */
  async process(claimed: ClaimedTimer, now: Date): Promise<TimerOutcome> {
    let timer = claimed.timer;
    let step: TimerStep | undefined;
    try {
      while ((step = dueStep(timer, now))) {
        timer = step === 'end' ? await this.end(timer, now) : await this.purge(timer, now);
      }
      return { timer };
    } catch (error) {
      const attempts = claimed.attempts + 1;
      this.options.metrics.stepFailures.inc({ step: step ?? 'unknown' });
      this.options.logger.warn(
        {
          meetingId: timer.meetingId,
          streamId: timer.streamId,
          step,
          attempts,
          error: error instanceof Error ? error.name : 'Error',
          reason: error instanceof Error ? error.message : String(error),
        },
        `meeting ${step ?? 'timer'} failed; it is retried`,
      );
      return { timer, retryAt: new Date(now.getTime() + retryDelayMs(attempts)) };
    }
  }

  private async end(timer: MeetingTimer, now: Date): Promise<MeetingTimer> {
    const outcome = await this.appendOnce(timer, MeetingEnded.type, () =>
      createEvent(MeetingEnded, {
        streamId: timer.streamId,
        tenantId: timer.tenantId,
        data: { meetingId: timer.meetingId, endedAt: timer.endsAt.toISOString(), source: 'scheduled-end' },
        cause: timer.cause,
        occurredAt: now,
      }),
    );
    this.options.metrics.meetingsEnded.inc({ outcome });
    this.options.logger.log(
      { meetingId: timer.meetingId, endedAt: timer.endsAt.toISOString(), outcome },
      'meeting ended',
    );
    return { ...timer, state: 'ended' };
  }

  private async purge(timer: MeetingTimer, now: Date): Promise<MeetingTimer> {
    await this.options.secretBox.keys.forget(meetingSubject(timer.meetingId));
    const outcome = await this.appendOnce(timer, MeetingDataPurged.type, () =>
      createEvent(MeetingDataPurged, {
        streamId: timer.streamId,
        tenantId: timer.tenantId,
        data: {
          meetingId: timer.meetingId,
          purgedAt: now.toISOString(),
          retentionAfterEndSeconds: timer.retentionAfterEndSeconds,
        },
        cause: timer.cause,
        occurredAt: now,
      }),
    );
    this.options.metrics.meetingsPurged.inc({ outcome });
    this.options.metrics.purgeLagSeconds.observe(Math.max(0, now.getTime() - timer.purgeAt.getTime()) / 1000);
    this.options.logger.log(
      { meetingId: timer.meetingId, retentionAfterEndSeconds: timer.retentionAfterEndSeconds, outcome },
      'meeting data purged',
    );
    return { ...timer, state: 'purged' };
  }

  /** Appends the event unless the stream already holds one of its type; a gone stream needs none. */
  private async appendOnce(
    timer: MeetingTimer,
    type: string,
    build: () => EventEnvelope,
  ): Promise<AppendOutcome> {
    const { eventStore, codec } = this.options;
    for (let attempt = 1; ; attempt++) {
      let revision: bigint;
      try {
        const recorded = await eventStore.readStream(timer.streamId);
        if (recorded.some((event) => event.type === type)) return 'already-recorded';
        revision = recorded.at(-1)?.revision ?? -1n;
      } catch (error) {
        if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) return 'stream-gone';
        throw error;
      }
      if (revision < 0n) return 'stream-gone';
      try {
        // Through the codec like every append (these events carry no personal data today).
        const sealed = await codec.encode(build());
        await eventStore.append(timer.streamId, [envelopeToEventToAppend(sealed)], revision);
        return 'appended';
      } catch (error) {
        if (error instanceof StreamDeletedError) return 'stream-gone';
        if (error instanceof ExpectedVersionConflictError && attempt < MAX_APPEND_ATTEMPTS) continue;
        throw error;
      }
    }
  }
}
