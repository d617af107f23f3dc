import { Controller, Inject, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnEvent } from '@scheduler/bus';
import {
  MeetingCancelled,
  MeetingEnded,
  MeetingRequested,
  MeetingUpdated,
  type EventEnvelope,
  type EventOf,
  lastOccurrenceEnd,
} from '@scheduler/contracts';
import type { TimerChange } from './meeting-timer.js';
import { MeetingTimers } from './meeting-timers.service.js';

const changeSource = (event: EventEnvelope<string, { meetingId: string }>) => ({
  meetingId: event.data.meetingId,
  tenantId: event.tenantId,
  streamId: event.streamId,
  cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
  occurredAt: new Date(event.occurredAt),
});

/**
 * A series lives until its last occurrence has ended: its personal data is kept until then plus
 * the policy, not purged after the first occurrence. A series without an end is kept until it
 * is given one (a later MeetingUpdated) or deleted (MeetingCancelled).
 */
export const openEndedSeriesEnd = new Date('9999-12-31T23:59:59.000Z');

function meetingEnd(data: {
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
  readonly recurrence?: readonly string[];
}): Date {
  const last = lastOccurrenceEnd(data);
  return last.kind === 'open-ended' ? openEndedSeriesEnd : new Date(last.end);
}

/**
 * The meeting events that set retention's timers. They only read ids and times, never the
 * personal fields (which may already be Redacted markers when an old event is redelivered).
 *
 * MeetingSchedulingFailed is deliberately not handled: a refused update leaves an existing
 * Webex meeting in place, and even a meeting that was never created keeps its requested end,
 * so its data is purged by the ordinary timer (end + policy) rather than guessed at earlier.
 *
 * Whatever a handler throws (the database is down) is transient: the transport naks and
 * redelivers. Every handler is idempotent (see applyTimerChange).
 */
@Controller()
export class MeetingTimersHandlers {
  private readonly logger = new Logger(MeetingTimersHandlers.name);

  constructor(@Inject(MeetingTimers) private readonly timers: MeetingTimers) {}

  @OnEvent(MeetingRequested)
  async meetingRequested(@Payload() event: EventOf<typeof MeetingRequested>): Promise<void> {
    await this.record(event, { ...changeSource(event), kind: 'end', endsAt: meetingEnd(event.data) });
  }

  @OnEvent(MeetingUpdated)
  async meetingUpdated(@Payload() event: EventOf<typeof MeetingUpdated>): Promise<void> {
    await this.record(event, { ...changeSource(event), kind: 'end', endsAt: meetingEnd(event.data) });
  }

  @OnEvent(MeetingCancelled)
  async meetingCancelled(@Payload() event: EventOf<typeof MeetingCancelled>): Promise<void> {
    await this.record(event, { ...changeSource(event), kind: 'cancel' });
  }

  /**
   * Webex's real end (MeetingEnded from its webhook): the purge counts from it. The scheduled
   * end's MeetingEnded is retention's own doing and changes nothing.
   */
  @OnEvent(MeetingEnded)
  async meetingEnded(@Payload() event: EventOf<typeof MeetingEnded>): Promise<void> {
    if (event.data.source !== 'webex-webhook') return;
    await this.record(event, { ...changeSource(event), kind: 'ended', endsAt: new Date(event.data.endedAt) });
  }

  private async record(event: EventEnvelope, change: TimerChange): Promise<void> {
    const outcome = await this.timers.record(event.type, change);
    this.logger.debug(
      `${event.type} ${event.id} → meeting ${change.meetingId}: ` +
        (outcome.kind === 'armed'
          ? `${outcome.timer.state}, purge at ${outcome.timer.purgeAt.toISOString()}`
          : `unchanged (${outcome.reason})`),
    );
  }
}
