import { describe, expect, it } from '@jest/globals';
import {
  applyTimerChange,
  dueAt,
  dueStep,
  retryDelayMs,
  type MeetingTimer,
  type TimerChange,
} from './meeting-timer.js';

const meetingId = '01930000-0000-7000-8000-000000000001';
const at = (iso: string) => new Date(iso);

function change(
  kind: TimerChange['kind'],
  occurredAt: string,
  id: string,
  endsAt = '2026-12-01T11:00:00Z',
): TimerChange {
  const source = {
    meetingId,
    tenantId: 'acme.example',
    streamId: `meeting-${meetingId}`,
    cause: { id, correlationId: `journey-${id}`, traceparent: null },
    occurredAt: at(occurredAt),
  };
  return kind === 'cancel' ? { ...source, kind } : { ...source, kind, endsAt: at(endsAt) };
}

function armed(outcome: ReturnType<typeof applyTimerChange>): MeetingTimer {
  if (outcome.kind !== 'armed') throw new Error(`expected armed, got unchanged: ${outcome.reason}`);
  return outcome.timer;
}

const requested = armed(applyTimerChange(undefined, change('end', '2026-11-26T09:00:00Z', 'event-1'), 3600));

describe('applyTimerChange', () => {
  it('a request arms the end, and the purge at end + policy, caused by the request', () => {
    expect(requested).toMatchObject({
      state: 'scheduled',
      endsAt: at('2026-12-01T11:00:00Z'),
      purgeAt: at('2026-12-01T12:00:00Z'),
      retentionAfterEndSeconds: 3600,
      cause: { id: 'event-1', correlationId: 'journey-event-1' },
    });
  });

  it('a newer update moves the end (later or earlier) and the purge with it', () => {
    const later = armed(
      applyTimerChange(
        requested,
        change('end', '2026-11-26T10:00:00Z', 'event-2', '2026-12-02T11:00:00Z'),
        60,
      ),
    );
    expect(later).toMatchObject({
      state: 'scheduled',
      endsAt: at('2026-12-02T11:00:00Z'),
      purgeAt: at('2026-12-02T11:01:00Z'),
      cause: { id: 'event-2' },
    });
  });

  it('a redelivered or overtaken update never moves the end back', () => {
    const moved = armed(
      applyTimerChange(
        requested,
        change('end', '2026-11-26T10:00:00Z', 'event-2', '2026-12-02T11:00:00Z'),
        0,
      ),
    );
    expect(
      applyTimerChange(moved, change('end', '2026-11-26T10:00:00Z', 'event-2', '2026-12-02T11:00:00Z'), 0),
    ).toEqual({ kind: 'unchanged', reason: 'a newer event already set the end' });
    expect(applyTimerChange(moved, change('end', '2026-11-26T09:30:00Z', 'event-1b'), 0).kind).toBe(
      'unchanged',
    );
    // The same instant: the (time-ordered) id decides, so only one of the two wins.
    expect(
      applyTimerChange(moved, change('end', '2026-11-26T10:00:00Z', 'event-3', '2026-12-03T11:00:00Z'), 0)
        .kind,
    ).toBe('armed');
    expect(
      applyTimerChange(moved, change('end', '2026-11-26T10:00:00Z', 'event-1', '2026-12-03T11:00:00Z'), 0)
        .kind,
    ).toBe('unchanged');
  });

  it('a cancellation purges from the cancellation on, and is final', () => {
    const cancelled = armed(
      applyTimerChange(requested, change('cancel', '2026-11-27T08:00:00Z', 'event-3'), 600),
    );
    expect(cancelled).toMatchObject({
      state: 'cancelled',
      purgeAt: at('2026-11-27T08:10:00Z'),
      cause: { id: 'event-3' },
    });
    expect(dueAt(cancelled)).toEqual(at('2026-11-27T08:10:00Z'));
    expect(applyTimerChange(cancelled, change('end', '2026-11-28T08:00:00Z', 'event-4'), 600)).toEqual({
      kind: 'unchanged',
      reason: 'the meeting was cancelled',
    });
  });

  it('a cancellation seen before its request arms a purge; the late request changes nothing', () => {
    const cancelled = armed(
      applyTimerChange(undefined, change('cancel', '2026-11-27T08:00:00Z', 'event-3'), 0),
    );
    expect(cancelled).toMatchObject({ state: 'cancelled', purgeAt: at('2026-11-27T08:00:00Z') });
    expect(applyTimerChange(cancelled, change('end', '2026-11-26T09:00:00Z', 'event-1'), 0).kind).toBe(
      'unchanged',
    );
  });

  it('after the end, a new end moves the purge but the meeting stays ended; a cancellation changes nothing', () => {
    const ended: MeetingTimer = { ...requested, state: 'ended' };
    const moved = armed(
      applyTimerChange(ended, change('end', '2026-12-01T11:30:00Z', 'event-5', '2026-12-01T13:00:00Z'), 3600),
    );
    expect(moved).toMatchObject({ state: 'ended', purgeAt: at('2026-12-01T14:00:00Z') });
    expect(applyTimerChange(ended, change('cancel', '2026-12-01T12:00:00Z', 'event-6'), 0)).toEqual({
      kind: 'unchanged',
      reason: 'the meeting already ended',
    });
  });

  it('a purged meeting is never re-armed', () => {
    const purged: MeetingTimer = { ...requested, state: 'purged' };
    for (const next of [
      change('end', '2030-01-01T00:00:00Z', 'event-9', '2030-02-01T00:00:00Z'),
      change('cancel', '2030-01-01T00:00:00Z', 'event-9'),
    ]) {
      expect(applyTimerChange(purged, next, 0)).toEqual({
        kind: 'unchanged',
        reason: 'the meeting data was already purged',
      });
    }
  });
});

describe("applyTimerChange: Webex's real end (MeetingEnded from its webhook)", () => {
  const realEnd = (occurredAt: string, id: string, endedAt: string) =>
    change('ended', occurredAt, id, endedAt);

  it('ends the meeting at its real end, before the scheduled one: the purge counts from it', () => {
    const ended = armed(
      applyTimerChange(requested, realEnd('2026-12-01T10:40:00Z', 'event-7', '2026-12-01T10:40:00Z'), 3600),
    );
    expect(ended).toMatchObject({
      state: 'ended',
      endsAt: at('2026-12-01T10:40:00Z'),
      purgeAt: at('2026-12-01T11:40:00Z'),
      cause: { id: 'event-7' },
    });
    expect(dueStep(ended, at('2026-12-01T11:00:00Z'))).toBeUndefined();
    expect(dueStep(ended, at('2026-12-01T11:40:00Z'))).toBe('purge');
  });

  it('after the scheduled end (the meeting ran over): the purge moves to the real end', () => {
    const endedOnSchedule: MeetingTimer = { ...requested, state: 'ended' };
    expect(
      armed(
        applyTimerChange(
          endedOnSchedule,
          realEnd('2026-12-01T11:25:00Z', 'event-8', '2026-12-01T11:25:00Z'),
          60,
        ),
      ),
    ).toMatchObject({
      state: 'ended',
      endsAt: at('2026-12-01T11:25:00Z'),
      purgeAt: at('2026-12-01T11:26:00Z'),
    });
  });

  it('seen before the request (or overtaken by a newer end): ended all the same', () => {
    expect(
      armed(
        applyTimerChange(undefined, realEnd('2026-12-01T10:40:00Z', 'event-7', '2026-12-01T10:40:00Z'), 0),
      ),
    ).toMatchObject({
      state: 'ended',
      endsAt: at('2026-12-01T10:40:00Z'),
      purgeAt: at('2026-12-01T10:40:00Z'),
    });
    const movedLater = armed(
      applyTimerChange(
        requested,
        change('end', '2026-12-01T10:50:00Z', 'event-9', '2026-12-01T12:00:00Z'),
        0,
      ),
    );
    expect(
      armed(
        applyTimerChange(movedLater, realEnd('2026-12-01T10:40:00Z', 'event-7', '2026-12-01T10:40:00Z'), 0),
      ),
    ).toMatchObject({ state: 'ended', endsAt: at('2026-12-01T12:00:00Z'), cause: { id: 'event-9' } });
  });

  it('changes nothing for a cancelled or purged meeting', () => {
    const next = realEnd('2026-12-01T10:40:00Z', 'event-7', '2026-12-01T10:40:00Z');
    expect(applyTimerChange({ ...requested, state: 'cancelled' }, next, 0).kind).toBe('unchanged');
    expect(applyTimerChange({ ...requested, state: 'purged' }, next, 0).kind).toBe('unchanged');
  });
});

describe('dueStep', () => {
  it('ends a scheduled meeting at its end, never before', () => {
    expect(dueStep(requested, at('2026-12-01T10:59:59.999Z'))).toBeUndefined();
    expect(dueStep(requested, at('2026-12-01T11:00:00Z'))).toBe('end');
  });

  it('purges an ended or cancelled meeting at its purge time', () => {
    const ended: MeetingTimer = { ...requested, state: 'ended' };
    expect(dueStep(ended, at('2026-12-01T11:30:00Z'))).toBeUndefined();
    expect(dueStep(ended, at('2026-12-01T12:00:00Z'))).toBe('purge');
    expect(dueStep({ ...requested, state: 'cancelled' }, at('2026-12-01T12:00:00Z'))).toBe('purge');
  });

  it('a scheduled meeting past its purge time still ends first', () => {
    expect(dueStep(requested, at('2027-01-01T00:00:00Z'))).toBe('end');
  });

  it('nothing is ever due once purged', () => {
    const purged: MeetingTimer = { ...requested, state: 'purged' };
    expect(dueAt(purged)).toBeUndefined();
    expect(dueStep(purged, at('2100-01-01T00:00:00Z'))).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it('doubles from one second and stops at five minutes', () => {
    const highest = () => 1;
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(attempts, highest))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30, highest)).toBe(300_000);
  });

  it('is jittered within the upper half of each step, never near zero', () => {
    const lowest = () => 0;
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(attempts, lowest))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelayMs(30, lowest)).toBe(150_000);
    expect(retryDelayMs(3, () => 0.5)).toBe(3000);
  });
});
