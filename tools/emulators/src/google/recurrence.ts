/**
 * A Google Calendar event's `recurrence[]`: RRULE, EXDATE and RDATE lines (no DTSTART; the
 * event's start is the first occurrence), expanded in the event's `start.timeZone`.
 */
import { DateTime } from 'luxon';
import {
  RecurrenceRuleInvalid,
  checkPattern,
  occurrenceStarts,
  ruleParts,
  utcStamp,
  type SeriesPattern,
} from '../core/recurrence.js';
import { GoogleHttpError } from './errors.js';

/** The rule parts the emulator expands; anything else is refused loudly rather than expanded wrongly. */
const acceptedParts = ['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS'];
const frequencies = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
/** A series without COUNT or UNTIL (and a listing without timeMax) is expanded this many occurrences. */
export const openEndedLimit = 366;
/** "No end" for a bounded expansion: two centuries. */
const farFutureMs = 200 * 366 * 86_400_000;

/** Where a series repeats: its first start, its zone, and whether it is all-day. */
export interface SeriesAnchor {
  firstStartMs: number;
  timeZone: string;
  allDay: boolean;
}

const invalid = (message: string) => new GoogleHttpError(400, 'invalid', message);

function checkRule(line: string, rule: string): void {
  let parts: Array<[string, string]>;
  try {
    parts = ruleParts(rule);
  } catch (error) {
    if (error instanceof RecurrenceRuleInvalid) throw invalid(`Invalid recurrence rule: ${line}`);
    throw error;
  }
  for (const [name] of parts)
    if (!acceptedParts.includes(name)) throw invalid(`The emulator does not support ${name} in ${line}`);
  const frequency = parts.find(([name]) => name === 'FREQ')?.[1];
  if (!frequency || !frequencies.includes(frequency))
    throw invalid(`The emulator expands only FREQ=DAILY, WEEKLY, MONTHLY or YEARLY, got ${line}`);
}

/** One EXDATE/RDATE value as an instant: "…Z" is UTC, a bare date-time is in TZID (or the series' zone), a date is the series' start time that day. */
function dateValue(line: string, value: string, zone: string, anchor: SeriesAnchor): number {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value);
  if (!match) throw invalid(`Invalid recurrence date in ${line}`);
  const [, year, month, day, hour, minute, second, utc] = match;
  const date = { year: Number(year), month: Number(month), day: Number(day) };
  if (anchor.allDay) return Date.UTC(date.year, date.month - 1, date.day);
  if (hour === undefined) {
    const firstStart = DateTime.fromMillis(anchor.firstStartMs, { zone: anchor.timeZone });
    return DateTime.fromObject(
      { ...date, hour: firstStart.hour, minute: firstStart.minute, second: firstStart.second },
      { zone: anchor.timeZone },
    ).toMillis();
  }
  const time = { hour: Number(hour), minute: Number(minute), second: Number(second) };
  const instant = DateTime.fromObject({ ...date, ...time }, { zone: utc ? 'UTC' : zone });
  if (!instant.isValid) throw invalid(`Invalid recurrence date in ${line}`);
  return instant.toMillis();
}

/** "EXDATE;TZID=Europe/Berlin:20270322T090000,20270329T090000" → instants. */
function dateLine(line: string, anchor: SeriesAnchor): number[] {
  const separator = line.indexOf(':');
  if (separator === -1) throw invalid(`Invalid recurrence line ${line}`);
  const parameters = line.slice(0, separator).split(';').slice(1);
  const zoneParameter = parameters.find((parameter) => parameter.toUpperCase().startsWith('TZID='));
  const zone = zoneParameter ? zoneParameter.slice('TZID='.length) : anchor.timeZone;
  if (!DateTime.local().setZone(zone).isValid) throw invalid(`Invalid time zone in ${line}`);
  return line
    .slice(separator + 1)
    .split(',')
    .map((value) => dateValue(line, value.trim(), zone, anchor));
}

/**
 * The series' pattern, or undefined when the lines hold no RRULE (a lone RDATE/EXDATE list is
 * not a series). Throws GoogleHttpError 400 for lines or rule parts the emulator does not take.
 */
export function parseRecurrence(lines: readonly string[], anchor: SeriesAnchor): SeriesPattern | undefined {
  const rules: string[] = [];
  const exclusionsMs: number[] = [];
  const additionsMs: number[] = [];
  for (const line of lines) {
    const name = line.split(/[:;]/)[0]!.toUpperCase();
    if (name === 'RRULE') {
      const rule = line.slice(line.indexOf(':') + 1);
      checkRule(line, rule);
      rules.push(rule);
    } else if (name === 'EXDATE') exclusionsMs.push(...dateLine(line, anchor));
    else if (name === 'RDATE') additionsMs.push(...dateLine(line, anchor));
    else throw invalid(`The emulator does not support ${name} in recurrence: ${line}`);
  }
  if (rules.length === 0) return undefined;
  const pattern: SeriesPattern = {
    rules,
    firstStartMs: anchor.firstStartMs,
    timeZone: anchor.allDay ? 'UTC' : anchor.timeZone,
    exclusionsMs,
    additionsMs,
  };
  try {
    checkPattern(pattern);
  } catch (error) {
    if (error instanceof RecurrenceRuleInvalid) throw invalid(`Invalid recurrence rule: ${error.reason}`);
    throw error;
  }
  return pattern;
}

/**
 * Start instants of the series' occurrences (EXDATEs out, RDATEs in), before `beforeMs`; without
 * it, the first `openEndedLimit` of them.
 */
export function seriesStarts(pattern: SeriesPattern, beforeMs?: number): number[] {
  return beforeMs === undefined
    ? occurrenceStarts(pattern, { beforeMs: pattern.firstStartMs + farFutureMs, limit: openEndedLimit })
    : occurrenceStarts(pattern, { beforeMs, limit: 10_000 });
}

/** Google's instance id suffix: 20240105T090000Z for timed events, 20240105 for all-day ones. */
export function instanceSuffix(startMs: number, allDay: boolean): string {
  return allDay ? utcStamp(startMs).slice(0, 8) : utcStamp(startMs);
}
