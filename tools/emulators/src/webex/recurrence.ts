/**
 * Webex's `recurrence`: a plain RRULE value ("FREQ=DAILY;INTERVAL=1;COUNT=20", no "RRULE:"
 * prefix). Webex documents FREQ, INTERVAL, COUNT, UNTIL and BYMONTHDAY, and says a monthly or
 * yearly rule keeps only its first day or date. The emulator also takes BYDAY (weekdays for
 * daily/weekly rules, one weekday, ordinal allowed, for monthly/yearly ones) and refuses every
 * other part (BYSETPOS, BYMONTH, WKST, …), so that the services never depend on what Webex
 * has not promised.
 */
import {
  RecurrenceRuleInvalid,
  occurrenceStarts,
  ruleParts,
  startOfLocalDay,
  utcStamp,
  yearsLater,
} from '../core/recurrence.js';

/** What expansion needs of a stored meeting series. */
export interface RecurringSeries {
  id: string;
  /** The RRULE value; absent for a one-off meeting. */
  recurrence?: string;
  /** The first occurrence's start. */
  startMs: number;
  timezone: string;
}

const frequencies = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
const acceptedParts = ['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY'];
const weekday = /^(MO|TU|WE|TH|FR|SA|SU)$/;
const ordinalWeekday = /^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$/;
/** Webex: a series with an end reaches at most 5 years ahead; open-ended ones are expanded that far. */
export const horizonYears = 5;
/** More than any 5-year rule can produce (1826 daily occurrences). */
const occurrenceLimit = 2_000;

/**
 * The rule as Webex keeps it: extra monthly/yearly BYDAY/BYMONTHDAY values dropped. Throws
 * RecurrenceRuleInvalid for what Webex would refuse or the emulator does not accept.
 */
export function normalizeRecurrence(rule: string): string {
  if (/^RRULE:/i.test(rule))
    throw new RecurrenceRuleInvalid(rule, 'recurrence is the rule itself, without "RRULE:"');
  const parts = ruleParts(rule);
  for (const [name] of parts)
    if (!acceptedParts.includes(name))
      throw new RecurrenceRuleInvalid(rule, `${name} is not supported in recurrence`);
  const value = (name: string) => parts.find(([candidate]) => candidate === name)?.[1];
  const frequency = value('FREQ')?.toUpperCase();
  if (frequency === undefined || !frequencies.includes(frequency))
    throw new RecurrenceRuleInvalid(rule, 'FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY');
  for (const name of ['INTERVAL', 'COUNT']) {
    const number = value(name);
    if (number !== undefined && !/^[1-9]\d*$/.test(number))
      throw new RecurrenceRuleInvalid(rule, `${name} must be a positive integer`);
  }
  if (value('COUNT') !== undefined && value('UNTIL') !== undefined)
    throw new RecurrenceRuleInvalid(rule, 'COUNT and UNTIL cannot both be given');
  const monthlyOrYearly = frequency === 'MONTHLY' || frequency === 'YEARLY';
  const byDay = value('BYDAY')?.toUpperCase().split(',');
  const byMonthDay = value('BYMONTHDAY')?.split(',');
  if (byDay && byMonthDay) throw new RecurrenceRuleInvalid(rule, 'give BYDAY or BYMONTHDAY, not both');
  if (byDay) {
    const pattern = monthlyOrYearly ? ordinalWeekday : weekday;
    if (byDay.some((day) => !pattern.test(day)))
      throw new RecurrenceRuleInvalid(rule, `BYDAY=${value('BYDAY')} is not a list of weekdays`);
  }
  if (byMonthDay) {
    if (!monthlyOrYearly) throw new RecurrenceRuleInvalid(rule, 'BYMONTHDAY needs FREQ=MONTHLY or YEARLY');
    if (byMonthDay.some((day) => !/^-?([1-9]|[12]\d|3[01])$/.test(day)))
      throw new RecurrenceRuleInvalid(rule, `BYMONTHDAY=${value('BYMONTHDAY')} is not a list of days`);
  }
  return parts
    .map(([name, text]) => {
      if (name === 'FREQ') return `FREQ=${frequency}`;
      // Webex: "Multiple days or dates for monthly or yearly recurrence rule are not supported, only the first … is taken."
      if (monthlyOrYearly && (name === 'BYDAY' || name === 'BYMONTHDAY'))
        return `${name}=${text.split(',')[0]!.toUpperCase()}`;
      return `${name}=${text.toUpperCase()}`;
    })
    .join(';');
}

/** An occurrence as the series' rule places it: its id never changes, even once it is moved. */
export interface RuleOccurrence {
  id: string;
  originalStartMs: number;
}

/** Expansions are kept per rule, start and zone: lists and the expiry sweep ask on every request. */
const expansions = new Map<string, readonly number[]>();
const expansionCacheSize = 500;

function ruleStarts(meeting: Omit<RecurringSeries, 'id'>, extraYears = 0): readonly number[] {
  if (meeting.recurrence === undefined) return [meeting.startMs];
  const key = [meeting.recurrence, meeting.startMs, meeting.timezone, extraYears].join('|');
  let starts = expansions.get(key);
  if (!starts) {
    starts = occurrenceStarts(
      { rules: [meeting.recurrence], firstStartMs: meeting.startMs, timeZone: meeting.timezone },
      {
        beforeMs: yearsLater(meeting.startMs, horizonYears + extraYears, meeting.timezone),
        limit: occurrenceLimit,
      },
    );
    if (expansions.size >= expansionCacheSize) expansions.clear();
    expansions.set(key, starts);
  }
  return starts;
}

/**
 * Refuses a bounded rule (COUNT or UNTIL) whose last occurrence lies more than 5 years after
 * the first, and a rule that gives no occurrence at all.
 */
export function checkRecurrenceLimits(meeting: Omit<RecurringSeries, 'id'>): void {
  if (meeting.recurrence === undefined) return;
  const within = ruleStarts(meeting);
  if (within.length === 0)
    throw new RecurrenceRuleInvalid(meeting.recurrence, 'the rule gives no occurrence after start');
  const bounded = /(^|;)(COUNT|UNTIL)=/.test(meeting.recurrence);
  if (bounded && ruleStarts(meeting, 1).length > within.length)
    throw new RecurrenceRuleInvalid(
      meeting.recurrence,
      `a recurring meeting can reach at most ${horizonYears} years ahead`,
    );
}

/** The series' occurrences per its rule (a non-recurring meeting has one), up to 5 years ahead. */
export function ruleOccurrences(meeting: RecurringSeries): RuleOccurrence[] {
  return ruleStarts(meeting).map((originalStartMs) => ({
    id: `${meeting.id}_${utcStamp(originalStartMs)}`,
    originalStartMs,
  }));
}

/**
 * Webex's rule for moving one occurrence: its new start must stay from 00:00 (series zone) of
 * its own day up to 00:00 of the next occurrence's day; the first has no lower bound, the last
 * no upper one. Returns the allowed [from, to) window.
 */
export function occurrenceStartWindow(
  occurrences: readonly RuleOccurrence[],
  occurrenceId: string,
  timeZone: string,
): { fromMs: number; toMs: number } {
  const index = occurrences.findIndex((occurrence) => occurrence.id === occurrenceId);
  const own = occurrences[index]!;
  const next = occurrences[index + 1];
  return {
    fromMs: index === 0 ? Number.NEGATIVE_INFINITY : startOfLocalDay(own.originalStartMs, timeZone),
    toMs: next ? startOfLocalDay(next.originalStartMs, timeZone) : Number.POSITIVE_INFINITY,
  };
}
