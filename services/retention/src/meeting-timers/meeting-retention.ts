import type { ClientProxy } from '@nestjs/microservices';
import { sendCommand } from '@scheduler/bus';
import { EndMeeting, RecordMeetingDataPurged, type ResponseOf } from '@scheduler/contracts';
import { meetingSubject, type SecretBox } from '@scheduler/crypto-shredding';
import { dueStep, retryDelayMs, type MeetingTimer, type TimerStep } from './meeting-timer.js';
import type { RetentionMetrics } from './retention-metrics.js';
import type { ClaimedTimer, TimerOutcome } from './meeting-timers.repository.js';

/** Where time comes from: tests move it forward instead of waiting. */
export interface Clock {
  now(): Date;
  /** Called before each timer pass, for a clock whose time comes from elsewhere. */
  synchronize?(): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };
/** The Clock the timers run on: the system clock, or one a test moves forward. */
export const RETENTION_CLOCK = Symbol('RETENTION_CLOCK');

/** Ids and kinds only: never titles, invitees or anything else personal. */
export interface RetentionLogger {
  log(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface MeetingRetentionOptions {
  /** Sends the meeting commands to webex-bridge, the meeting stream's one writer. */
  readonly bus: Pick<ClientProxy, 'send'>;
  /** Its subject keys forget in the shared data-key store and in this process's key cache. */
  readonly secretBox: SecretBox;
  readonly metrics: RetentionMetrics;
  readonly logger: RetentionLogger;
}

type RecordOutcome = ResponseOf<typeof EndMeeting>['outcome'];

/** The metric labels predate the commands; dashboards keep them. */
const outcomeLabel: Record<RecordOutcome, string> = {
  recorded: 'appended',
  'already-recorded': 'already-recorded',
  'meeting-gone': 'stream-gone',
};

/**
 * What happens when a meeting timer is due: the meeting ends (MeetingEnded) and, per policy,
 * its key is forgotten and MeetingDataPurged recorded. webex-bridge writes the meeting stream,
 * so retention asks it to record both (EndMeeting, RecordMeetingDataPurged).
 *
 * Every step is idempotent, because a crash between the step and the timer row's update repeats
 * it: the writer records each fact once however often it is asked, and forgetting a key twice
 * is a no-op. The key is forgotten before MeetingDataPurged is recorded: the event states a
 * fact, so it must never come first. No answer from webex-bridge fails the step, which the
 * timer retries later.
 */
export class MeetingRetention {
  constructor(private readonly options: MeetingRetentionOptions) {}

  /** Runs every step that is due; never throws (a failure is returned as a retry time). */
  async process(claimed: ClaimedTimer, now: Date): Promise<TimerOutcome> {
    let timer = claimed.timer;
    let step: TimerStep | undefined;
    try {
      while ((step = dueStep(timer, now))) {
        timer = step === 'end' ? await this.end(timer) : await this.purge(timer, now);
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

  private async end(timer: MeetingTimer): Promise<MeetingTimer> {
    const { outcome } = await sendCommand(this.options.bus, EndMeeting, {
      tenantId: timer.tenantId,
      trace: this.traceOf(timer),
      data: { meetingId: timer.meetingId, endedAt: timer.endsAt.toISOString(), source: 'scheduled-end' },
    });
    this.options.metrics.meetingsEnded.inc({ outcome: outcomeLabel[outcome] });
    this.options.logger.log(
      { meetingId: timer.meetingId, endedAt: timer.endsAt.toISOString(), outcome },
      'meeting ended',
    );
    return { ...timer, state: 'ended' };
  }

  private async purge(timer: MeetingTimer, now: Date): Promise<MeetingTimer> {
    const outcome = await this.purgeMeetingData({
      meetingId: timer.meetingId,
      tenantId: timer.tenantId,
      trace: this.traceOf(timer),
      purgedAt: now,
      retentionAfterEndSeconds: timer.retentionAfterEndSeconds,
    });
    this.options.metrics.purgeLagSeconds.observe(Math.max(0, now.getTime() - timer.purgeAt.getTime()) / 1000);
    this.options.logger.log(
      { meetingId: timer.meetingId, retentionAfterEndSeconds: timer.retentionAfterEndSeconds, outcome },
      'meeting data purged',
    );
    return { ...timer, state: 'purged' };
  }

  /**
   * The purge itself, for a due timer and for an account erasure alike: forget the key
   * `meeting:<id>`, then ask webex-bridge to record MeetingDataPurged (never before: the event
   * states a fact). Both steps can be repeated.
   */
  async purgeMeetingData(purge: {
    readonly meetingId: string;
    readonly tenantId: string;
    readonly trace: { correlationId: string; causationId: string | null; traceparent: string | null };
    readonly purgedAt: Date;
    readonly retentionAfterEndSeconds: number;
  }): Promise<RecordOutcome> {
    await this.options.secretBox.keys.forget(meetingSubject(purge.meetingId));
    const { outcome } = await sendCommand(this.options.bus, RecordMeetingDataPurged, {
      tenantId: purge.tenantId,
      trace: purge.trace,
      data: {
        meetingId: purge.meetingId,
        purgedAt: purge.purgedAt.toISOString(),
        retentionAfterEndSeconds: purge.retentionAfterEndSeconds,
      },
    });
    this.options.metrics.meetingsPurged.inc({ outcome: outcomeLabel[outcome] });
    return outcome;
  }

  /** The recorded events name the meeting event that set the timer as their cause. */
  private traceOf(timer: MeetingTimer) {
    return {
      correlationId: timer.cause.correlationId,
      causationId: timer.cause.id,
      traceparent: timer.cause.traceparent,
    };
  }
}
