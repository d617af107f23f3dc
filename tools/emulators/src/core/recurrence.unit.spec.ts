import { describe, expect, it } from '@jest/globals';
import {
  RecurrenceRuleInvalid,
  checkPattern,
  occurrenceStarts,
  startOfLocalDay,
  utcStamp,
} from './recurrence.js';

const iso = (starts: number[]) => starts.map((ms) => new Date(ms).toISOString());
const far = { beforeMs: Date.parse('2100-01-01T00:00:00Z'), limit: 1000 };

describe('recurrence expansion in a time zone', () => {
  const berlin = { firstStartMs: Date.parse('2027-03-15T08:00:00Z'), timeZone: 'Europe/Berlin' };

  it('keeps the wall time across daylight-saving changes (2027-03-28 and 2027-10-31 in Berlin)', () => {
    expect(iso(occurrenceStarts({ ...berlin, rules: ['FREQ=WEEKLY;COUNT=3'] }, far).slice(1))).toEqual([
      '2027-03-22T08:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
    ]);
    const autumn = { firstStartMs: Date.parse('2027-10-29T07:00:00Z'), timeZone: 'Europe/Berlin' };
    expect(iso(occurrenceStarts({ ...autumn, rules: ['FREQ=DAILY;COUNT=4'] }, far))).toEqual([
      '2027-10-29T07:00:00.000Z',
      '2027-10-30T07:00:00.000Z',
      '2027-10-31T08:00:00.000Z',
      '2027-11-01T08:00:00.000Z',
    ]);
  });

  it('reads UNTIL as an instant (Z), a wall time, or a whole local day', () => {
    const until = (value: string) =>
      occurrenceStarts({ ...berlin, rules: [`FREQ=DAILY;UNTIL=${value}`] }, far).length;
    expect(until('20270317T080000Z')).toBe(3);
    expect(until('20270317T085959')).toBe(2);
    expect(until('20270317')).toBe(3);
  });

  it('stops before `beforeMs` and at `limit`; EXDATEs out, RDATEs in, in order', () => {
    const daily = { ...berlin, rules: ['FREQ=DAILY'] };
    expect(
      occurrenceStarts(daily, { beforeMs: Date.parse('2027-03-18T08:00:00Z'), limit: 100 }),
    ).toHaveLength(3);
    expect(occurrenceStarts(daily, { beforeMs: far.beforeMs, limit: 5 })).toHaveLength(5);
    const starts = occurrenceStarts(
      {
        ...berlin,
        rules: ['FREQ=WEEKLY;COUNT=3'],
        exclusionsMs: [Date.parse('2027-03-22T08:00:00Z')],
        additionsMs: [Date.parse('2027-03-16T12:00:00Z')],
      },
      far,
    );
    expect(iso(starts)).toEqual([
      '2027-03-15T08:00:00.000Z',
      '2027-03-16T12:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
    ]);
  });

  it('refuses rules rrule cannot read, with the rule in the error', () => {
    for (const rule of [
      'FREQ=DAILY;COUNT=2;UNTIL=20270401',
      'COUNT=2',
      'FREQ=DAILY;INTERVAL=0',
      'FREQ=DAILY;;',
    ])
      expect(() => checkPattern({ ...berlin, rules: [rule] })).toThrow(RecurrenceRuleInvalid);
  });

  it('names days and occurrence ids as Google and Webex do', () => {
    expect(utcStamp(Date.parse('2027-03-29T07:00:00Z'))).toBe('20270329T070000Z');
    expect(new Date(startOfLocalDay(Date.parse('2027-03-29T07:00:00Z'), 'Europe/Berlin')).toISOString()).toBe(
      '2027-03-28T22:00:00.000Z',
    );
  });
});
