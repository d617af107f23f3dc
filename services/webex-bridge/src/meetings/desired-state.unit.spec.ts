import { describe, expect, it } from '@jest/globals';
import { primitives } from '@scheduler/contracts';
import {
  changedAspects,
  clampDuration,
  copyMeetingId,
  normalizeInvitees,
  rewritesWebexSeries,
  webexTitle,
  type DesiredState,
} from './desired-state.js';

describe('webexTitle', () => {
  it('keeps titles of up to 128 characters', () => {
    expect(webexTitle('Design review')).toBe('Design review');
    expect(webexTitle('x'.repeat(128))).toBe('x'.repeat(128));
  });

  it('truncates longer ones to 127 characters and an ellipsis', () => {
    const title = webexTitle('x'.repeat(129));
    expect(title).toBe(`${'x'.repeat(127)}…`);
    expect(title).toHaveLength(128);
    expect(webexTitle('y'.repeat(1024))).toHaveLength(128);
  });

  it('never splits a surrogate pair', () => {
    const title = webexTitle(`${'x'.repeat(126)}😀${'z'.repeat(10)}`);
    expect(title).toBe(`${'x'.repeat(126)}…`);
    expect(title.length).toBeLessThanOrEqual(128);
  });

  it('gives an empty title the name Calendar shows', () => expect(webexTitle('')).toBe('(No title)'));
});

describe('clampDuration', () => {
  const start = '2026-12-01T09:00:00Z';
  it('keeps durations Webex accepts', () => {
    expect(clampDuration(start, '2026-12-01T09:10:00Z')).toEqual({ start, end: '2026-12-01T09:10:00Z' });
    expect(clampDuration(start, '2026-12-02T08:59:00Z')).toEqual({ start, end: '2026-12-02T08:59:00Z' });
  });
  it('stretches zero-length and short events to 10 minutes', () => {
    expect(clampDuration(start, start)).toEqual({ start, end: '2026-12-01T09:10:00.000Z' });
    expect(clampDuration(start, '2026-12-01T09:05:00Z').end).toBe('2026-12-01T09:10:00.000Z');
  });
  it('shortens events of 24 hours or more to 23 h 59 min', () => {
    expect(clampDuration(start, '2026-12-02T09:00:00Z').end).toBe('2026-12-02T08:59:00.000Z');
    expect(clampDuration(start, '2026-12-05T09:00:00Z').end).toBe('2026-12-02T08:59:00.000Z');
  });
});

describe('normalizeInvitees', () => {
  it('drops the organizer and duplicate addresses (case-insensitively) and sorts', () =>
    expect(
      normalizeInvitees(
        [
          { email: 'Zed@example.com' },
          { email: 'ada@example.com' },
          { email: 'bob@example.com', displayName: 'Bob' },
          { email: 'BOB@example.com', displayName: 'Robert' },
        ],
        'ADA@example.com',
      ),
    ).toEqual([{ email: 'bob@example.com', displayName: 'Bob' }, { email: 'Zed@example.com' }]));
});

describe('changedAspects', () => {
  const base: DesiredState = {
    title: 'T',
    start: '2026-12-01T09:00:00Z',
    end: '2026-12-01T09:30:00Z',
    timeZone: 'Europe/Berlin',
    invitees: [{ email: 'a@example.com' }],
  };
  it('is empty for the same state, whatever the offsets or invitee order', () =>
    expect(
      changedAspects(base, {
        ...base,
        start: '2026-12-01T10:00:00+01:00',
        invitees: [{ email: 'A@example.com' }],
      }),
    ).toEqual([]));
  it('names every aspect that differs', () =>
    expect(changedAspects(base, { ...base, title: 'U', timeZone: 'UTC', invitees: [] })).toEqual([
      'title',
      'time',
      'invitees',
    ]));
  it('a display name change is an invitee change', () =>
    expect(
      changedAspects(base, { ...base, invitees: [{ email: 'a@example.com', displayName: 'A' }] }),
    ).toEqual(['invitees']));
});

describe('rewritesWebexSeries', () => {
  const series: DesiredState = {
    title: 'T',
    start: '2026-12-01T09:00:00Z',
    end: '2026-12-01T09:30:00Z',
    timeZone: 'Europe/Berlin',
    invitees: [],
    recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6'],
  };
  const excluding = { ...series, recurrence: [...series.recurrence!, 'EXDATE:20261208T090000Z'] };
  it('is true for new times or a new Webex rule', () => {
    expect(rewritesWebexSeries(series, series, ['time'])).toBe(true);
    expect(
      rewritesWebexSeries(series, { ...series, recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'] }, ['recurrence']),
    ).toBe(true);
  });
  it('is false for EXDATE lines alone, a title or invitees', () => {
    expect(rewritesWebexSeries(series, excluding, ['recurrence'])).toBe(false);
    expect(rewritesWebexSeries(excluding, series, ['recurrence'])).toBe(false);
    expect(rewritesWebexSeries(series, { ...series, title: 'U' }, ['title', 'invitees'])).toBe(false);
  });
});

describe('copyMeetingId', () => {
  const original = '019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b';

  it('is a valid UUIDv7 meeting id carrying the original’s time field', () => {
    const id = copyMeetingId(original, 'ada@example.com', 'copy1');
    expect(primitives.MeetingId.safeParse(id).success).toBe(true);
    expect(id.slice(0, 13)).toBe(original.slice(0, 13));
    expect(id).not.toBe(original);
  });

  it('is the same for the same inputs and differs when any input differs', () => {
    const id = copyMeetingId(original, 'ada@example.com', 'copy1');
    expect(copyMeetingId(original, 'ada@example.com', 'copy1')).toBe(id);
    const others = [
      copyMeetingId(original, 'ada@example.com', 'copy2'),
      copyMeetingId(original, 'team@example.com', 'copy1'),
      copyMeetingId('019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0c', 'ada@example.com', 'copy1'),
      // The separator keeps ("a", "bc") apart from ("ab", "c").
      copyMeetingId(original, 'ada@example.comc', 'opy1'),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });

  it('refuses an original that is not a UUIDv7', () => {
    expect(() => copyMeetingId('not-a-uuid', 'c', 'e')).toThrow(RangeError);
    expect(() => copyMeetingId('019ac0a0-1c2d-4e3f-8a4b-5c6d7e8f9a0b', 'c', 'e')).toThrow(/not a UUIDv7/);
  });
});
