import { backoffDelay } from '@scheduler/resilience';
import type { EventCause } from '@scheduler/contracts';

/**
 * - scheduled: waiting for the meeting's end (then MeetingEnded);
 * - ended: MeetingEnded recorded (or the stream is gone), waiting for the purge;
 * - cancelled: the meeting will never take place, waiting for the purge, no MeetingEnded;
 * - purged: the meeting key is forgotten and MeetingDataPurged recorded. Final.
 */
export type TimerState = 'scheduled' | 'ended' | 'cancelled' | 'purged';

/** One row of retention's private database: the meeting's end and purge timers. */
export interface MeetingTimer {
  readonly meetingId: string;
  readonly tenantId: string;
  readonly streamId: string;
  readonly state: TimerState;
  readonly endsAt: Date;
  readonly purgeAt: Date;
  readonly retentionAfterEndSeconds: number;
  /** The last event that set the timer: what retention appends is caused by it (same correlation id). */
  readonly cause: EventCause;
  /** When that event occurred: older events arriving late (redelivery, naks) change nothing. */
  readonly lastEventAt: Date;
}

interface ChangeSource {
  readonly meetingId: string;
  readonly tenantId: string;
  readonly streamId: string;
  /** The event's id, correlation id and traceparent. */
  readonly cause: EventCause;
  readonly occurredAt: Date;
}

/**
 * What a meeting event means to retention:
 * - end: MeetingRequested or MeetingUpdated (the meeting now ends at `endsAt`);
 * - cancel: MeetingCancelled (it will never take place; purge counts from `occurredAt`);
 * - ended: MeetingEnded from Webex's webhook (the meeting really ended at `endsAt`: the purge
 *   counts from it instead of the scheduled end, and no MeetingEnded is sent any more).
 */
export type TimerChange =
  | (ChangeSource & { readonly kind: 'end' | 'ended'; readonly endsAt: Date })
  | (ChangeSource & { readonly kind: 'cancel' });

export type TimerChangeOutcome =
  | { readonly kind: 'armed'; readonly timer: MeetingTimer }
  | { readonly kind: 'unchanged'; readonly reason: string };

const addSeconds = (instant: Date, seconds: number) => new Date(instant.getTime() + seconds * 1000);

/**
 * Events order by when they occurred, then by id (UUIDv7, time-ordered), so the same event
 * delivered twice is never "newer" than itself.
 */
function isNewer(change: ChangeSource, timer: MeetingTimer): boolean {
  const difference = change.occurredAt.getTime() - timer.lastEventAt.getTime();
  return difference > 0 || (difference === 0 && change.cause.id > timer.cause.id);
}

/**
 * The timer after a meeting event, or why the event changes nothing. Pure: the store applies it
 * under a row lock, so concurrent deliveries of one meeting's events serialize.
 *
 * - A purged meeting is never re-armed.
 * - A cancellation is final: later end changes are ignored, and a cancellation of a meeting
 *   that already ended changes nothing (it took place; its policy counts from its end).
 * - An end change applies only if its event is newer than the last one applied, so a
 *   redelivered or overtaken MeetingUpdated never moves the end back. After the meeting ended,
 *   a new end still moves the purge (the data is kept until policy after the latest end), but
 *   the meeting does not end a second time.
 * - Webex's real end is an end change that also ends the meeting: newer, it sets the end and the
 *   purge; overtaken by a newer end, it still ends the meeting and leaves that end standing.
 */
export function applyTimerChange(
  current: MeetingTimer | undefined,
  change: TimerChange,
  retentionAfterEndSeconds: number,
): TimerChangeOutcome {
  const source = {
    meetingId: change.meetingId,
    tenantId: change.tenantId,
    streamId: change.streamId,
    cause: change.cause,
    lastEventAt: change.occurredAt,
    retentionAfterEndSeconds,
  };
  if (!current) {
    return change.kind !== 'cancel'
      ? {
          kind: 'armed',
          timer: {
            ...source,
            state: change.kind === 'ended' ? 'ended' : 'scheduled',
            endsAt: change.endsAt,
            purgeAt: addSeconds(change.endsAt, retentionAfterEndSeconds),
          },
        }
      : {
          kind: 'armed',
          // Cancelled before retention saw the request (or the request arrives later): there is
          // no end to wait for.
          timer: {
            ...source,
            state: 'cancelled',
            endsAt: change.occurredAt,
            purgeAt: addSeconds(change.occurredAt, retentionAfterEndSeconds),
          },
        };
  }
  if (current.state === 'purged') return { kind: 'unchanged', reason: 'the meeting data was already purged' };
  if (current.state === 'cancelled') return { kind: 'unchanged', reason: 'the meeting was cancelled' };
  if (change.kind === 'cancel') {
    if (current.state === 'ended') return { kind: 'unchanged', reason: 'the meeting already ended' };
    return {
      kind: 'armed',
      timer: {
        ...current,
        ...source,
        state: 'cancelled',
        purgeAt: addSeconds(change.occurredAt, retentionAfterEndSeconds),
      },
    };
  }
  if (!isNewer(change, current)) {
    if (change.kind === 'ended' && current.state === 'scheduled')
      return { kind: 'armed', timer: { ...current, state: 'ended' } };
    return { kind: 'unchanged', reason: 'a newer event already set the end' };
  }
  return {
    kind: 'armed',
    timer: {
      ...current,
      ...source,
      ...(change.kind === 'ended' ? { state: 'ended' as const } : {}),
      endsAt: change.endsAt,
      purgeAt: addSeconds(change.endsAt, retentionAfterEndSeconds),
    },
  };
}

export type TimerStep = 'end' | 'purge';

/** When the timer next needs work, or undefined once it is purged. */
export function dueAt(timer: MeetingTimer): Date | undefined {
  switch (timer.state) {
    case 'scheduled':
      return timer.endsAt;
    case 'ended':
    case 'cancelled':
      return timer.purgeAt;
    case 'purged':
      return undefined;
  }
}

/** The step that is due at `now`, if any. Ending comes first: a meeting is purged only once it ended or was cancelled. */
export function dueStep(timer: MeetingTimer, now: Date): TimerStep | undefined {
  const due = dueAt(timer);
  if (!due || due.getTime() > now.getTime()) return undefined;
  return timer.state === 'scheduled' ? 'end' : 'purge';
}

/**
 * After a failed step: retried with a growing delay, the one backoff formula from 1 s, doubling,
 * at most 5 minutes (the n-th retry waits between half and all of 1 s · 2^(n−1)).
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  return backoffDelay(attempts, { baseDelayMs: 1000, maxDelayMs: 5 * 60 * 1000, random });
}
