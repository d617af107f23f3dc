import { describe, expect, it } from '@jest/globals';
import { lastOccurrenceEnd, occurrenceStarts, webexRecurrence } from './webex-recurrence.js';

const berlin = 'Europe/Berlin';

function supported(lines: string[], start: string, timeZone = berlin) {
  const mapping = webexRecurrence({ lines, start, timeZone });
  if (!mapping.supported) throw new Error(`refused: ${mapping.refusal.message}`);
  return mapping.recurrence;
}

function refusal(lines: string[], start: string, timeZone = berlin): string {
  const mapping = webexRecurrence({ lines, start, timeZone });
  if (mapping.supported) throw new Error(`expected a refusal, got ${mapping.recurrence.rule}`);
  expect(mapping.refusal.reason).toBe('unsupported-recurrence');
  expect(mapping.refusal.message).toBe(`unsupported-recurrence: ${mapping.refusal.detail}`);
  return mapping.refusal.detail;
}

const iso = (instants: number[]) => instants.map((instant) => new Date(instant).toISOString());

describe('webexRecurrence', () => {
  it('passes a weekly rule on as it is, and its occurrences keep 09:00 Berlin across the change to summer time', () => {
    // 2027-03-28 is the night Berlin moves from UTC+1 to UTC+2.
    const recurrence = supported(['RRULE:FREQ=WEEKLY;COUNT=6'], '2027-03-15T08:00:00.000Z');
    expect(recurrence.rule).toBe('FREQ=WEEKLY;COUNT=6');
    expect(iso(occurrenceStarts(recurrence.parsed, Date.parse('2027-03-15T08:00:00Z'), berlin, 100))).toEqual(
      [
        '2027-03-15T08:00:00.000Z',
        '2027-03-22T08:00:00.000Z',
        '2027-03-29T07:00:00.000Z',
        '2027-04-05T07:00:00.000Z',
        '2027-04-12T07:00:00.000Z',
        '2027-04-19T07:00:00.000Z',
      ],
    );
  });

  it('keeps the monthly "second Tuesday" rule and expands it to the same dates as Calendar', () => {
    const recurrence = supported(['RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=4'], '2027-04-13T08:00:00.000Z');
    expect(recurrence.rule).toBe('FREQ=MONTHLY;BYDAY=2TU;COUNT=4');
    expect(iso(occurrenceStarts(recurrence.parsed, Date.parse('2027-04-13T08:00:00Z'), berlin, 100))).toEqual(
      [
        '2027-04-13T08:00:00.000Z',
        '2027-05-11T08:00:00.000Z',
        '2027-06-08T08:00:00.000Z',
        '2027-07-13T08:00:00.000Z',
      ],
    );
  });

  it('accepts the last weekday of a month, one day of the month, daily and yearly rules, and open-ended ones', () => {
    expect(supported(['RRULE:FREQ=MONTHLY;BYDAY=-1FR'], '2027-04-30T08:00:00Z').rule).toBe(
      'FREQ=MONTHLY;BYDAY=-1FR',
    );
    expect(
      supported(['RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=10;COUNT=10'], '2027-04-10T08:00:00Z').rule,
    ).toBe('FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=10;COUNT=10');
    expect(supported(['RRULE:FREQ=DAILY;INTERVAL=2;COUNT=20'], '2027-04-10T08:00:00Z').rule).toBe(
      'FREQ=DAILY;INTERVAL=2;COUNT=20',
    );
    expect(supported(['RRULE:FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=10'], '2027-04-10T08:00:00Z').rule).toBe(
      'FREQ=YEARLY;BYMONTHDAY=10',
    );
    expect(supported(['RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR'], '2027-04-12T08:00:00Z').rule).toBe(
      'FREQ=WEEKLY;BYDAY=MO,WE,FR',
    );
  });

  it('writes UNTIL in UTC: a bare date ends the series with that day in its own time zone', () => {
    expect(supported(['RRULE:FREQ=WEEKLY;UNTIL=20270426'], '2027-03-15T08:00:00Z').rule).toBe(
      'FREQ=WEEKLY;UNTIL=20270426T215959Z',
    );
    expect(supported(['RRULE:FREQ=WEEKLY;UNTIL=20270426T065959Z'], '2027-03-15T08:00:00Z').rule).toBe(
      'FREQ=WEEKLY;UNTIL=20270426T065959Z',
    );
  });

  it('leaves out WKST where it changes nothing, and refuses it where Webex could count weeks otherwise', () => {
    expect(supported(['RRULE:FREQ=WEEKLY;WKST=SU;BYDAY=TU'], '2027-04-13T08:00:00Z').rule).toBe(
      'FREQ=WEEKLY;BYDAY=TU',
    );
    expect(refusal(['RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,TU'], '2027-04-13T08:00:00Z')).toMatch(
      /^WKST=SU with FREQ=WEEKLY;INTERVAL=2/,
    );
  });

  it('turns EXDATEs into the starts of the occurrences Webex must delete', () => {
    const recurrence = supported(
      [
        'RRULE:FREQ=WEEKLY;COUNT=6',
        'EXDATE;TZID=Europe/Berlin:20270329T090000',
        'EXDATE:20270405T070000Z,20270412T070000Z',
      ],
      '2027-03-15T08:00:00Z',
    );
    expect(recurrence.rule).toBe('FREQ=WEEKLY;COUNT=6');
    expect(recurrence.excludedStarts).toEqual([
      '2027-03-29T07:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
      '2027-04-12T07:00:00.000Z',
    ]);
    expect(
      supported(['RRULE:FREQ=WEEKLY;COUNT=6', 'EXDATE;VALUE=DATE:20270329'], '2027-03-15T08:00:00Z')
        .excludedStarts,
    ).toEqual(['2027-03-29T07:00:00.000Z']);
  });

  it.each([
    [['RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=TH;BYSETPOS=-1'], 'BYSETPOS=-1 with FREQ=YEARLY'],
    [
      ['RRULE:FREQ=MONTHLY;BYMONTHDAY=10,11,12'],
      'BYMONTHDAY=10,11,12 with FREQ=MONTHLY: Webex keeps only one day of the month',
    ],
    [['RRULE:FREQ=MONTHLY;BYDAY=TU'], 'BYDAY=TU with FREQ=MONTHLY: every such weekday'],
    [['RRULE:FREQ=MONTHLY;BYDAY=2TU,4TU'], 'BYDAY=2TU,4TU with FREQ=MONTHLY: Webex keeps only one day'],
    [['RRULE:FREQ=HOURLY;COUNT=3'], 'FREQ=HOURLY: Webex repeats daily, weekly, monthly or yearly'],
    [['RRULE:FREQ=DAILY;BYDAY=MO,TU'], 'BYDAY=MO,TU with FREQ=DAILY'],
    [['RRULE:FREQ=WEEKLY;BYDAY=1MO'], 'BYDAY=1MO with FREQ=WEEKLY'],
    [['RRULE:FREQ=WEEKLY;COUNT=3;UNTIL=20271231'], 'COUNT and UNTIL together'],
    [
      ['RRULE:FREQ=WEEKLY', 'RDATE:20270501T080000Z'],
      'RDATE: a Webex series cannot hold occurrences outside its rule',
    ],
    [['RRULE:FREQ=WEEKLY', 'EXRULE:FREQ=MONTHLY'], 'EXRULE'],
    [['RRULE:FREQ=WEEKLY', 'RRULE:FREQ=DAILY'], 'more than one RRULE'],
    [['EXDATE:20270501T080000Z'], 'no RRULE'],
    [['RRULE:FREQ=MONTHLY;BYMONTHDAY=-1'], 'BYMONTHDAY=-1'],
    [['RRULE:FREQ=MONTHLY;BYMONTHDAY=31'], 'BYMONTHDAY=31: some months have no day 31'],
    [['RRULE:FREQ=DAILY;COUNT=2000'], 'more than 5 years'],
    [['RRULE:FREQ=WEEKLY;BYDAY=WE'], 'starts on a day its own rule does not repeat on'],
    [['RRULE:FREQ=DAILY;BYHOUR=9,15'], 'BYHOUR=9,15 with FREQ=DAILY'],
    [['RRULE:FREQ=YEARLY;BYMONTH=5'], 'BYMONTH=5 with FREQ=YEARLY'],
  ])('refuses %j: %s', (lines, detail) => {
    // 2027-04-13 is a Tuesday.
    expect(refusal(lines, '2027-04-13T08:00:00Z')).toContain(detail);
  });

  it('refuses a monthly rule from the 31st, whose start implies the day', () => {
    expect(refusal(['RRULE:FREQ=MONTHLY;COUNT=3'], '2027-05-31T08:00:00Z')).toContain('BYMONTHDAY=31');
  });
});

describe('lastOccurrenceEnd', () => {
  const first = { start: '2027-03-15T08:00:00.000Z', end: '2027-03-15T09:00:00.000Z', timeZone: berlin };

  it('is the last occurrence’s end for a series with COUNT or UNTIL, in the series’ time zone', () => {
    expect(lastOccurrenceEnd({ ...first, recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6'] })).toEqual({
      kind: 'ends',
      end: '2027-04-19T08:00:00.000Z',
    });
    expect(lastOccurrenceEnd({ ...first, recurrence: ['RRULE:FREQ=WEEKLY;UNTIL=20270411'] })).toEqual({
      kind: 'ends',
      end: '2027-04-05T08:00:00.000Z',
    });
  });

  it('keeps an instant’s milliseconds', () => {
    expect(
      lastOccurrenceEnd({
        start: '2027-03-15T08:00:00.721Z',
        end: '2027-03-15T09:00:00.721Z',
        timeZone: berlin,
        recurrence: ['RRULE:FREQ=DAILY;COUNT=3'],
      }),
    ).toEqual({ kind: 'ends', end: '2027-03-17T09:00:00.721Z' });
  });

  it('is open-ended for a series without an end; a single meeting, or a refused rule, ends with its own end', () => {
    expect(lastOccurrenceEnd({ ...first, recurrence: ['RRULE:FREQ=WEEKLY'] })).toEqual({
      kind: 'open-ended',
    });
    expect(lastOccurrenceEnd(first)).toEqual({ kind: 'ends', end: first.end });
    expect(lastOccurrenceEnd({ ...first, recurrence: ['RRULE:FREQ=HOURLY'] })).toEqual({
      kind: 'ends',
      end: first.end,
    });
  });
});
