import { describe, expect, it } from '@jest/globals';
import {
  afterSeriesRewrite,
  appliedAfter,
  type AppliedOccurrence,
  excludedOccurrences,
  occurrenceId,
  planOccurrences,
} from './occurrence-plan.js';

const seriesId = 'dfb45ece33264639a7bc3dd9535d53f7';
const third = '2027-03-29T07:00:00.000Z';
const hour = 3_600_000;

const plan = (
  exceptions: Parameters<typeof planOccurrences>[0]['exceptions'],
  applied: AppliedOccurrence[] = [],
) =>
  planOccurrences({
    seriesId,
    timeZone: 'Europe/Berlin',
    series: { title: 'Weekly', durationMs: hour },
    exceptions,
    applied,
    now: new Date('2027-03-01T00:00:00Z'),
  });

describe('occurrenceId', () => {
  it('is the series id and the original start in UTC', () => {
    expect(occurrenceId(seriesId, '2027-03-29T09:00:00+02:00')).toBe(`${seriesId}_20270329T070000Z`);
  });
});

describe('planOccurrences', () => {
  it('moves an occurrence within its day by patching that occurrence only', () => {
    const moved = {
      originalStart: third,
      cancelled: false as const,
      title: 'Weekly',
      start: '2027-03-29T09:00:00.000Z',
      end: '2027-03-29T10:00:00.000Z',
    };
    expect(plan([moved])).toEqual([
      {
        kind: 'patch-occurrence',
        originalStart: third,
        occurrenceId: `${seriesId}_20270329T070000Z`,
        shown: moved,
      },
    ]);
  });

  it('retitles an occurrence by patching it', () => {
    const retitled = {
      originalStart: third,
      cancelled: false as const,
      title: 'Special',
      start: third,
      end: '2027-03-29T08:00:00.000Z',
    };
    expect(plan([retitled]).map((operation) => operation.kind)).toEqual(['patch-occurrence']);
  });

  it('deletes a cancelled occurrence', () => {
    expect(plan([{ originalStart: third, cancelled: true }])).toEqual([
      { kind: 'delete-occurrence', originalStart: third, occurrenceId: `${seriesId}_20270329T070000Z` },
    ]);
  });

  it('gives an occurrence moved to another day a single meeting, since Webex moves occurrences only within their day', () => {
    const moved = {
      originalStart: third,
      cancelled: false as const,
      title: 'Weekly',
      start: '2027-03-30T07:00:00.000Z',
      end: '2027-03-30T08:00:00.000Z',
    };
    expect(plan([moved])).toEqual([
      { kind: 'delete-occurrence', originalStart: third, occurrenceId: `${seriesId}_20270329T070000Z` },
      { kind: 'create-single', originalStart: third, shown: moved },
    ]);
    // 23:30 Berlin on the same day is still the same day; 00:30 the next day is not.
    const late = { ...moved, start: '2027-03-29T21:30:00.000Z', end: '2027-03-29T22:30:00.000Z' };
    expect(plan([late]).map((operation) => operation.kind)).toEqual(['patch-occurrence']);
    const afterMidnight = { ...moved, start: '2027-03-29T22:30:00.000Z', end: '2027-03-29T23:30:00.000Z' };
    expect(plan([afterMidnight]).map((operation) => operation.kind)).toEqual([
      'delete-occurrence',
      'create-single',
    ]);
  });

  it('does nothing for what Webex already holds', () => {
    const moved = {
      originalStart: third,
      cancelled: false as const,
      title: 'Weekly',
      start: '2027-03-29T09:00:00.000Z',
      end: '2027-03-29T10:00:00.000Z',
    };
    expect(plan([moved], [{ originalStart: third, occurrence: { kind: 'patched', shown: moved } }])).toEqual(
      [],
    );
    expect(
      plan(
        [{ originalStart: third, cancelled: true }],
        [{ originalStart: third, occurrence: { kind: 'deleted' } }],
      ),
    ).toEqual([]);
  });

  it('re-applies every exception after a series-wide change, keeping the single meetings', () => {
    const moved = {
      originalStart: third,
      cancelled: false as const,
      title: 'Weekly',
      start: '2027-03-29T09:00:00.000Z',
      end: '2027-03-29T10:00:00.000Z',
    };
    const offDay = {
      originalStart: '2027-04-05T07:00:00.000Z',
      cancelled: false as const,
      title: 'Weekly',
      start: '2027-04-06T07:00:00.000Z',
      end: '2027-04-06T08:00:00.000Z',
    };
    const applied: AppliedOccurrence[] = [
      { originalStart: third, occurrence: { kind: 'patched', shown: moved } },
      {
        originalStart: offDay.originalStart,
        occurrence: { kind: 'deleted' },
        single: { webexMeetingId: 'single-1', shown: offDay },
      },
      { originalStart: '2027-04-12T07:00:00.000Z', occurrence: { kind: 'deleted' } },
    ];
    expect(
      plan(
        [moved, offDay, { originalStart: '2027-04-12T07:00:00.000Z', cancelled: true }],
        afterSeriesRewrite(applied),
      ),
    ).toEqual([
      {
        kind: 'patch-occurrence',
        originalStart: third,
        occurrenceId: `${seriesId}_20270329T070000Z`,
        shown: moved,
      },
      {
        kind: 'delete-occurrence',
        originalStart: offDay.originalStart,
        occurrenceId: `${seriesId}_20270405T070000Z`,
      },
      {
        kind: 'delete-occurrence',
        originalStart: '2027-04-12T07:00:00.000Z',
        occurrenceId: `${seriesId}_20270412T070000Z`,
      },
    ]);
  });

  it('moves an occurrence back to its series, and uses a single meeting where the occurrence was deleted', () => {
    const moved = { title: 'Weekly', start: '2027-03-29T09:00:00.000Z', end: '2027-03-29T10:00:00.000Z' };
    expect(plan([], [{ originalStart: third, occurrence: { kind: 'patched', shown: moved } }])).toEqual([
      {
        kind: 'patch-occurrence',
        originalStart: third,
        occurrenceId: `${seriesId}_20270329T070000Z`,
        shown: { title: 'Weekly', start: third, end: '2027-03-29T08:00:00.000Z' },
      },
    ]);
    const uncancelled = {
      originalStart: third,
      cancelled: false as const,
      title: 'Weekly',
      start: third,
      end: '2027-03-29T08:00:00.000Z',
    };
    expect(plan([uncancelled], [{ originalStart: third, occurrence: { kind: 'deleted' } }])).toEqual([
      { kind: 'create-single', originalStart: third, shown: uncancelled },
    ]);
  });

  it('deletes the single meeting of an occurrence cancelled after it moved off its day', () => {
    const shown = { title: 'Weekly', start: '2027-03-30T07:00:00.000Z', end: '2027-03-30T08:00:00.000Z' };
    expect(
      plan(
        [{ originalStart: third, cancelled: true }],
        [
          {
            originalStart: third,
            occurrence: { kind: 'deleted' },
            single: { webexMeetingId: 'single-1', shown },
          },
        ],
      ),
    ).toEqual([{ kind: 'delete-single', originalStart: third, webexMeetingId: 'single-1' }]);
  });

  it('leaves past occurrences alone', () => {
    expect(
      planOccurrences({
        seriesId,
        timeZone: 'Europe/Berlin',
        series: { title: 'Weekly', durationMs: hour },
        exceptions: [{ originalStart: third, cancelled: true }],
        applied: [],
        now: new Date('2027-04-01T00:00:00Z'),
      }),
    ).toEqual([]);
  });
});

describe('excludedOccurrences', () => {
  const series = (recurrence: string[]) => ({
    recurrence,
    start: '2027-03-15T08:00:00Z',
    timeZone: 'Europe/Berlin',
  });

  it('turns the EXDATEs that name starts of the rule into cancelled occurrences, across summer time', () => {
    expect(
      excludedOccurrences(
        series(['RRULE:FREQ=WEEKLY', 'EXDATE;TZID=Europe/Berlin:20270329T090000', 'EXDATE:20270405T070000Z']),
      ),
    ).toEqual([
      { originalStart: third, cancelled: true },
      { originalStart: '2027-04-05T07:00:00.000Z', cancelled: true },
    ]);
  });

  it('ignores an EXDATE the rule never produces (another time, another day, after COUNT)', () => {
    expect(
      excludedOccurrences(
        series([
          'RRULE:FREQ=WEEKLY;COUNT=3',
          'EXDATE:20270329T080000Z',
          'EXDATE:20270330T070000Z',
          'EXDATE:20270405T070000Z',
        ]),
      ),
    ).toEqual([]);
  });

  it('is empty for a single meeting, a series without EXDATE and a refused rule', () => {
    expect(excludedOccurrences({ start: '2027-03-15T08:00:00Z', timeZone: 'Europe/Berlin' })).toEqual([]);
    expect(excludedOccurrences(series(['RRULE:FREQ=WEEKLY']))).toEqual([]);
    expect(excludedOccurrences(series(['RRULE:FREQ=WEEKLY', 'RDATE:20270401T080000Z']))).toEqual([]);
  });

  it('plans the deletes of a cancelled exception', () => {
    expect(plan(excludedOccurrences(series(['RRULE:FREQ=WEEKLY', 'EXDATE:20270329T070000Z'])))).toEqual([
      { kind: 'delete-occurrence', originalStart: third, occurrenceId: occurrenceId(seriesId, third) },
    ]);
  });
});

describe('appliedAfter', () => {
  const shown = { title: 'Weekly', start: '2027-03-30T07:00:00.000Z', end: '2027-03-30T08:00:00.000Z' };
  it('follows each operation: occurrence deleted, single created, then the single deleted', () => {
    const deleted = appliedAfter(undefined, {
      kind: 'delete-occurrence',
      originalStart: third,
      occurrenceId: occurrenceId(seriesId, third),
    });
    expect(deleted).toEqual({ originalStart: third, occurrence: { kind: 'deleted' } });
    const withSingle = appliedAfter(
      deleted,
      { kind: 'create-single', originalStart: third, shown },
      'single-1',
    );
    expect(withSingle).toEqual({
      originalStart: third,
      occurrence: { kind: 'deleted' },
      single: { webexMeetingId: 'single-1', shown },
    });
    expect(
      appliedAfter(withSingle, { kind: 'delete-single', originalStart: third, webexMeetingId: 'single-1' }),
    ).toEqual(deleted);
    expect(() => appliedAfter(deleted, { kind: 'create-single', originalStart: third, shown })).toThrow(
      TypeError,
    );
  });
});
