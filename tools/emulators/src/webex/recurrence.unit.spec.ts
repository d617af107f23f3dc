import { describe, expect, it } from '@jest/globals';
import { RecurrenceRuleInvalid } from '../core/recurrence.js';
import {
  checkRecurrenceLimits,
  normalizeRecurrence,
  occurrenceStartWindow,
  ruleOccurrences,
} from './recurrence.js';

describe("Webex's recurrence rules", () => {
  it('keeps only the first day or date of monthly and yearly rules, and all weekdays of weekly ones', () => {
    expect(normalizeRecurrence('FREQ=MONTHLY;INTERVAL=1;COUNT=10;BYMONTHDAY=10,11,12')).toBe(
      'FREQ=MONTHLY;INTERVAL=1;COUNT=10;BYMONTHDAY=10',
    );
    expect(normalizeRecurrence('freq=yearly;byday=1mo,2tu')).toBe('FREQ=YEARLY;BYDAY=1MO');
    expect(normalizeRecurrence('FREQ=WEEKLY;BYDAY=MO,WE,FR')).toBe('FREQ=WEEKLY;BYDAY=MO,WE,FR');
  });

  it.each([
    'RRULE:FREQ=DAILY',
    'FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2',
    'FREQ=YEARLY;BYMONTH=3',
    'FREQ=WEEKLY;WKST=MO',
    'FREQ=DAILY;BYMONTHDAY=3',
    'FREQ=MONTHLY;BYDAY=2TU;BYMONTHDAY=3',
    'FREQ=DAILY;COUNT=0',
    'FREQ=DAILY;FREQ=WEEKLY',
  ])('refuses %s', (rule) => {
    expect(() => normalizeRecurrence(rule)).toThrow(RecurrenceRuleInvalid);
  });

  it('allows a bounded rule up to 5 years ahead (1826 daily, 60 monthly, 5 yearly), open-ended ones always', () => {
    const series = { startMs: Date.parse('2027-02-01T08:00:00Z'), timezone: 'Europe/Berlin' };
    for (const recurrence of [
      'FREQ=DAILY;COUNT=1826',
      'FREQ=MONTHLY;COUNT=60',
      'FREQ=YEARLY;COUNT=5',
      'FREQ=DAILY',
    ])
      expect(() => checkRecurrenceLimits({ ...series, recurrence })).not.toThrow();
    for (const recurrence of ['FREQ=DAILY;COUNT=1827', 'FREQ=MONTHLY;COUNT=61', 'FREQ=YEARLY;COUNT=6'])
      expect(() => checkRecurrenceLimits({ ...series, recurrence })).toThrow(/5 years/);
  });

  it('gives an occurrence the window from 00:00 of its day to 00:00 of the next occurrence day (series zone)', () => {
    const occurrences = ruleOccurrences({
      id: 'series',
      recurrence: 'FREQ=WEEKLY;COUNT=3',
      startMs: Date.parse('2027-03-22T08:00:00Z'),
      timezone: 'Europe/Berlin',
    });
    expect(occurrences.map((occurrence) => occurrence.id)).toEqual([
      'series_20270322T080000Z',
      'series_20270329T070000Z',
      'series_20270405T070000Z',
    ]);
    const window = occurrenceStartWindow(occurrences, 'series_20270329T070000Z', 'Europe/Berlin');
    expect(new Date(window.fromMs).toISOString()).toBe('2027-03-28T22:00:00.000Z');
    expect(new Date(window.toMs).toISOString()).toBe('2027-04-04T22:00:00.000Z');
    expect(occurrenceStartWindow(occurrences, 'series_20270322T080000Z', 'Europe/Berlin').fromMs).toBe(
      Number.NEGATIVE_INFINITY,
    );
    expect(occurrenceStartWindow(occurrences, 'series_20270405T070000Z', 'Europe/Berlin').toMs).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});
