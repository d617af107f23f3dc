import { basicUtc, daysInMonth, instantOf, type WallTime, wallTimeOf, weekdayOf } from './zoned-time.js';

// Calendar describes a series with iCalendar lines (RRULE, EXRULE, RDATE, EXDATE) and the
// start's time zone; Webex takes one RRULE string and documents only FREQ, INTERVAL, COUNT,
// UNTIL, BYMONTHDAY and BYDAY, and keeps a single day of a monthly or yearly rule (silently
// dropping the others). A rule is passed on only when Webex repeats it exactly as Calendar
// does; anything else is refused with a reason a person can act on, never approximated: a
// Webex series on other days than the calendar's would send people to the wrong meetings.

export type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

const weekdayCodes = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
type WeekdayCode = (typeof weekdayCodes)[number];

/** A rule Webex expresses faithfully, parsed. */
export interface SeriesRule {
  readonly frequency: Frequency;
  readonly interval: number;
  readonly count?: number;
  /** Inclusive last possible start (milliseconds). */
  readonly until?: number;
  /** WEEKLY: the weekdays (0 = Sunday); absent: the start's weekday. */
  readonly weekdays?: readonly number[];
  /** MONTHLY by date: the day of the month. */
  readonly monthDay?: number;
  /** MONTHLY by weekday: the `ordinal`-th (negative: from the end) `weekday` of the month. */
  readonly ordinalWeekday?: { readonly ordinal: number; readonly weekday: number };
  /** The week's first day (WEEKLY with INTERVAL > 1): Monday unless the rule says otherwise. */
  readonly weekStart: number;
}

/** What Webex is given for a calendar series. */
export interface WebexSeriesRecurrence {
  /** Webex's `recurrence`: the RRULE without its `RRULE:` prefix. */
  readonly rule: string;
  readonly parsed: SeriesRule;
  /** Starts (ISO instants) the calendar excludes (EXDATE): Webex deletes those occurrences. */
  readonly excludedStarts: readonly string[];
}

export interface RecurrenceRefusal {
  readonly reason: 'unsupported-recurrence';
  /** What the rule asks that Webex cannot do, e.g. "BYSETPOS=-1 with FREQ=YEARLY". */
  readonly detail: string;
  /** `unsupported-recurrence: <detail>`: safe to show (rules hold no personal data). */
  readonly message: string;
}

export type RecurrenceMapping =
  | { readonly supported: true; readonly recurrence: WebexSeriesRecurrence }
  | { readonly supported: false; readonly refusal: RecurrenceRefusal };

/** Webex: a series with an end may reach at most 5 years ahead. */
const maximumSeriesYears = 5;
/** Guards the expansion of a rule that never matches. */
const maximumPeriods = 20_000;

const refuse = (detail: string): RecurrenceMapping => ({
  supported: false,
  refusal: { reason: 'unsupported-recurrence', detail, message: `unsupported-recurrence: ${detail}` },
});

class Refused extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

/**
 * Calendar's `recurrence` lines of a series starting at `start` (ISO instant) in `timeZone` →
 * Webex's `recurrence` string, or the reason Webex cannot repeat the meeting as the calendar does.
 */
export function webexRecurrence(input: {
  readonly lines: readonly string[];
  readonly start: string;
  readonly timeZone: string;
}): RecurrenceMapping {
  try {
    return map(input);
  } catch (error) {
    if (error instanceof Refused) return refuse(error.detail);
    throw error;
  }
}

function map(input: { lines: readonly string[]; start: string; timeZone: string }): RecurrenceMapping {
  const start = Date.parse(input.start);
  if (Number.isNaN(start)) throw new Refused(`the series start "${input.start}" is not a time`);
  const rules: string[] = [];
  const excluded: number[] = [];
  for (const raw of input.lines) {
    const line = raw.trim();
    if (line === '') continue;
    const [name, parameters, value] = splitLine(line);
    switch (name) {
      case 'RRULE':
        rules.push(value);
        break;
      case 'EXDATE':
        for (const item of value.split(','))
          excluded.push(exdateInstant(item, parameters, start, input.timeZone));
        break;
      case 'RDATE':
        throw new Refused('RDATE: a Webex series cannot hold occurrences outside its rule');
      case 'EXRULE':
        throw new Refused('EXRULE: Webex cannot exclude occurrences by a rule');
      default:
        throw new Refused(`${name}: not a recurrence line Webex knows`);
    }
  }
  if (rules.length === 0) throw new Refused('no RRULE: nothing Webex could repeat');
  if (rules.length > 1) throw new Refused('more than one RRULE: Webex repeats a meeting by one rule');
  const { parsed, parts } = parseRule(rules[0]!, start, input.timeZone);
  checkFirstOccurrence(parsed, start, input.timeZone);
  checkSeriesLength(parsed, start, input.timeZone);
  return {
    supported: true,
    recurrence: {
      rule: parts.map(([key, value]) => `${key}=${value}`).join(';'),
      parsed,
      excludedStarts: [...new Set(excluded)].sort((a, b) => a - b).map((ms) => new Date(ms).toISOString()),
    },
  };
}

/** `NAME;PARAM=X:VALUE` → [NAME, {PARAM: X}, VALUE]. */
function splitLine(line: string): [string, Record<string, string>, string] {
  const colon = line.indexOf(':');
  if (colon < 0) throw new Refused(`"${line}" is not an iCalendar line`);
  const [name, ...parameterList] = line.slice(0, colon).split(';');
  const parameters: Record<string, string> = {};
  for (const parameter of parameterList) {
    const [key, value] = parameter.split('=');
    if (key && value !== undefined) parameters[key.toUpperCase()] = value;
  }
  return [name!.toUpperCase(), parameters, line.slice(colon + 1).trim()];
}

const dateTimePattern = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/;

/**
 * An iCalendar DATE or DATE-TIME as an instant: UTC when it ends in Z, else in `timeZone`; a
 * bare DATE takes `timeOfDay`.
 */
function icalInstant(
  value: string,
  timeZone: string,
  timeOfDay: Pick<WallTime, 'hour' | 'minute' | 'second'>,
): number {
  const match = dateTimePattern.exec(value);
  if (!match) throw new Refused(`"${value}" is not an iCalendar date`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    throw new Refused(`"${value}" is not a calendar date`);
  const time =
    match[4] === undefined
      ? { hour: timeOfDay.hour, minute: timeOfDay.minute, second: timeOfDay.second }
      : { hour: Number(match[4]), minute: Number(match[5]), second: Number(match[6]) };
  const wall = { year, month, day, ...time };
  return match[7]
    ? Date.UTC(year, month - 1, day, time.hour, time.minute, time.second)
    : instantOf(wall, timeZone);
}

/** An EXDATE names an occurrence by its start; a bare date, the occurrence on that day. */
function exdateInstant(
  value: string,
  parameters: Record<string, string>,
  start: number,
  timeZone: string,
): number {
  const zone = parameters.TZID ?? timeZone;
  if (!isTimeZone(zone)) throw new Refused(`EXDATE time zone "${zone}" is unknown`);
  return icalInstant(value.trim(), zone, wallTimeOf(start, timeZone));
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const supportedFrequencies: readonly string[] = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];

function parseRule(
  text: string,
  start: number,
  timeZone: string,
): { parsed: SeriesRule; parts: Array<[string, string]> } {
  const parts: Array<[string, string]> = [];
  const values = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const [key, value] = part.split('=');
    if (!key || value === undefined || value === '') throw new Refused(`"${part}" is not a rule part`);
    const name = key.trim().toUpperCase();
    if (values.has(name)) throw new Refused(`${name} given twice`);
    values.set(name, value.trim().toUpperCase());
    parts.push([name, value.trim().toUpperCase()]);
  }
  const frequency = values.get('FREQ');
  if (!frequency) throw new Refused('the rule has no FREQ');
  if (!supportedFrequencies.includes(frequency))
    throw new Refused(`FREQ=${frequency}: Webex repeats daily, weekly, monthly or yearly`);
  const freq = frequency as Frequency;

  const known = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'WKST']);
  for (const name of values.keys())
    if (!known.has(name)) throw new Refused(`${name}=${values.get(name)} with FREQ=${freq}`);

  const interval = positiveInteger(values.get('INTERVAL') ?? '1', 'INTERVAL');
  const count = values.has('COUNT') ? positiveInteger(values.get('COUNT')!, 'COUNT') : undefined;
  if (count !== undefined && values.has('UNTIL')) throw new Refused('COUNT and UNTIL together');
  let until: number | undefined;
  if (values.has('UNTIL')) {
    // A bare date ends the series with that day, in the series' own time zone.
    until = icalInstant(values.get('UNTIL')!, timeZone, { hour: 23, minute: 59, second: 59 });
    const index = parts.findIndex(([key]) => key === 'UNTIL');
    parts[index] = ['UNTIL', basicUtc(until)];
  }

  const startWall = wallTimeOf(start, timeZone);
  const weekStart = weekdayNumber(values.get('WKST') ?? 'MO', 'WKST');
  const byDay = values.get('BYDAY')?.split(',');
  const byMonthDay = values.get('BYMONTHDAY')?.split(',');
  const byMonth = values.get('BYMONTH')?.split(',');
  let weekdays: number[] | undefined;
  let ordinalWeekday: SeriesRule['ordinalWeekday'];
  let monthDay: number | undefined;

  switch (freq) {
    case 'DAILY':
      for (const name of ['BYDAY', 'BYMONTHDAY', 'BYMONTH'])
        if (values.has(name)) throw new Refused(`${name}=${values.get(name)} with FREQ=DAILY`);
      break;
    case 'WEEKLY':
      for (const name of ['BYMONTHDAY', 'BYMONTH'])
        if (values.has(name)) throw new Refused(`${name}=${values.get(name)} with FREQ=WEEKLY`);
      if (byDay) {
        weekdays = byDay.map((code) => {
          if (!/^[A-Z]{2}$/.test(code))
            throw new Refused(
              `BYDAY=${values.get('BYDAY')} with FREQ=WEEKLY: a weekly rule names plain weekdays`,
            );
          return weekdayNumber(code, 'BYDAY');
        });
        if (new Set(weekdays).size !== weekdays.length)
          throw new Refused(`BYDAY=${values.get('BYDAY')} repeats a day`);
      }
      break;
    case 'MONTHLY':
      if (byMonth) throw new Refused(`BYMONTH=${values.get('BYMONTH')} with FREQ=MONTHLY`);
      if (byDay && byMonthDay) throw new Refused('BYDAY and BYMONTHDAY together with FREQ=MONTHLY');
      if (byMonthDay) {
        if (byMonthDay.length > 1)
          throw new Refused(
            `BYMONTHDAY=${values.get('BYMONTHDAY')} with FREQ=MONTHLY: Webex keeps only one day of the month`,
          );
        monthDay = monthDayOf(byMonthDay[0]!);
      } else if (byDay) {
        if (byDay.length > 1)
          throw new Refused(
            `BYDAY=${values.get('BYDAY')} with FREQ=MONTHLY: Webex keeps only one day of the month`,
          );
        const match = /^([+-]?\d{1,2})([A-Z]{2})$/.exec(byDay[0]!);
        if (!match)
          throw new Refused(
            `BYDAY=${byDay[0]} with FREQ=MONTHLY: every such weekday of the month is more than the one day Webex keeps`,
          );
        const ordinal = Number(match[1]);
        if (ordinal === 0 || ordinal < -1 || ordinal > 4)
          throw new Refused(
            `BYDAY=${byDay[0]} with FREQ=MONTHLY: Webex repeats on the 1st to 4th or the last weekday`,
          );
        ordinalWeekday = { ordinal, weekday: weekdayNumber(match[2]!, 'BYDAY') };
      } else {
        monthDay = monthDayOf(String(startWall.day));
      }
      break;
    case 'YEARLY':
      if (byDay)
        throw new Refused(
          `BYDAY=${values.get('BYDAY')} with FREQ=YEARLY: Webex repeats a yearly meeting on one date`,
        );
      if (byMonth && (byMonth.length > 1 || Number(byMonth[0]) !== startWall.month))
        throw new Refused(
          `BYMONTH=${values.get('BYMONTH')} with FREQ=YEARLY: Webex repeats a yearly meeting on the start's date`,
        );
      if (byMonthDay && (byMonthDay.length > 1 || Number(byMonthDay[0]) !== startWall.day))
        throw new Refused(
          `BYMONTHDAY=${values.get('BYMONTHDAY')} with FREQ=YEARLY: Webex repeats a yearly meeting on the start's date`,
        );
      // Redundant with the start's date, and not a part Webex documents: left out.
      if (byMonth)
        parts.splice(
          parts.findIndex(([key]) => key === 'BYMONTH'),
          1,
        );
      if (startWall.month === 2 && startWall.day === 29)
        throw new Refused(
          'FREQ=YEARLY from 29 February: Calendar skips the years without it; Webex does not say what it does',
        );
      break;
  }
  if (values.has('WKST') && !(freq === 'WEEKLY' && interval > 1 && (weekdays?.length ?? 1) > 1)) {
    // The week's first day changes nothing unless a weekly rule skips weeks on several days:
    // left out, Webex gets only parts it documents.
    parts.splice(
      parts.findIndex(([key]) => key === 'WKST'),
      1,
    );
  } else if (values.has('WKST') && weekStart !== 1) {
    throw new Refused(
      `WKST=${values.get('WKST')} with FREQ=WEEKLY;INTERVAL=${interval} on several days: Webex does not say which day starts its weeks`,
    );
  }
  return {
    parsed: {
      frequency: freq,
      interval,
      ...(count !== undefined ? { count } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(weekdays ? { weekdays } : {}),
      ...(ordinalWeekday ? { ordinalWeekday } : {}),
      ...(monthDay !== undefined ? { monthDay } : {}),
      weekStart,
    },
    parts,
  };
}

function positiveInteger(value: string, name: string): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1)
    throw new Refused(`${name}=${value} is not a positive number`);
  return Number(value);
}

function weekdayNumber(code: string, name: string): number {
  const index = weekdayCodes.indexOf(code as WeekdayCode);
  if (index < 0) throw new Refused(`${name}=${code} is not a weekday`);
  return index;
}

/** Days 29 to 31 are missing from some months: Calendar skips those months, Webex does not say what it does. */
function monthDayOf(value: string): number {
  if (!/^[+-]?\d{1,2}$/.test(value)) throw new Refused(`BYMONTHDAY=${value} is not a day of the month`);
  const day = Number(value);
  if (day < 1) throw new Refused(`BYMONTHDAY=${value}: Webex counts days from the start of the month only`);
  if (day > 28)
    throw new Refused(
      `BYMONTHDAY=${value}: some months have no day ${value}; Calendar skips them, Webex does not say what it does`,
    );
  return day;
}

/** Calendar counts the start as the first occurrence even when the rule would not produce it; Webex may not. */
function checkFirstOccurrence(rule: SeriesRule, start: number, timeZone: string): void {
  const first = occurrenceStarts(rule, start, timeZone, 1)[0];
  if (first !== start) throw new Refused('the series starts on a day its own rule does not repeat on');
}

function checkSeriesLength(rule: SeriesRule, start: number, timeZone: string): void {
  const last = lastOccurrenceStart(rule, start, timeZone);
  if (last === undefined) return;
  const startWall = wallTimeOf(start, timeZone);
  const limit = instantOf({ ...startWall, year: startWall.year + maximumSeriesYears }, timeZone);
  if (last > limit)
    throw new Refused(
      `the series ends more than ${maximumSeriesYears} years after it starts; Webex refuses that`,
    );
}

/** The start of the last occurrence the rule produces (EXDATEs aside); undefined when open-ended. */
export function lastOccurrenceStart(rule: SeriesRule, start: number, timeZone: string): number | undefined {
  if (rule.count === undefined && rule.until === undefined) return undefined;
  const starts = occurrenceStarts(rule, start, timeZone, rule.count ?? Number.MAX_SAFE_INTEGER);
  return starts.at(-1);
}

/**
 * The occurrence starts (milliseconds) of a supported rule, at most `limit` of them, each at
 * the start's wall-clock time in `timeZone` (so 09:00 Berlin stays 09:00 across daylight saving).
 */
export function occurrenceStarts(rule: SeriesRule, start: number, timeZone: string, limit: number): number[] {
  const wall = wallTimeOf(start, timeZone);
  const time = { hour: wall.hour, minute: wall.minute, second: wall.second };
  // Wall times are whole seconds; an instant's milliseconds ride along unchanged.
  const milliseconds = ((start % 1000) + 1000) % 1000;
  const startDay = Date.UTC(wall.year, wall.month - 1, wall.day);
  const found: number[] = [];
  const maximum = Math.min(limit, rule.count ?? Number.MAX_SAFE_INTEGER);
  for (let period = 0; period < maximumPeriods && found.length < maximum; period += 1) {
    for (const day of daysOfPeriod(rule, wall, period)) {
      if (day.getTime() < startDay) continue;
      const instant =
        instantOf(
          { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), ...time },
          timeZone,
        ) + milliseconds;
      if (rule.until !== undefined && instant > rule.until) return found;
      found.push(instant);
      if (found.length >= maximum) return found;
    }
  }
  return found;
}

/** The calendar days (as UTC midnights) of the `period`-th repetition, in order. */
function daysOfPeriod(rule: SeriesRule, start: WallTime, period: number): Date[] {
  const step = period * rule.interval;
  switch (rule.frequency) {
    case 'DAILY':
      return [new Date(Date.UTC(start.year, start.month - 1, start.day + step))];
    case 'WEEKLY': {
      const startWeekday = weekdayOf(start.year, start.month, start.day);
      const weekFirstDay = start.day - ((startWeekday - rule.weekStart + 7) % 7) + 7 * step;
      const weekdays = rule.weekdays ?? [startWeekday];
      return weekdays
        .map((weekday) => (weekday - rule.weekStart + 7) % 7)
        .sort((a, b) => a - b)
        .map((offset) => new Date(Date.UTC(start.year, start.month - 1, weekFirstDay + offset)));
    }
    case 'MONTHLY': {
      const monthIndex = start.month - 1 + step;
      const year = start.year + Math.floor(monthIndex / 12);
      const month = (monthIndex % 12) + 1;
      if (!rule.ordinalWeekday) return [new Date(Date.UTC(year, month - 1, rule.monthDay ?? start.day))];
      const { ordinal, weekday } = rule.ordinalWeekday;
      const length = daysInMonth(year, month);
      let day: number;
      if (ordinal > 0) day = 1 + ((weekday - weekdayOf(year, month, 1) + 7) % 7) + 7 * (ordinal - 1);
      else day = length - ((weekdayOf(year, month, length) - weekday + 7) % 7);
      return day <= length ? [new Date(Date.UTC(year, month - 1, day))] : [];
    }
    case 'YEARLY':
      return [new Date(Date.UTC(start.year + step, start.month - 1, start.day))];
  }
}

/**
 * The Webex rule for a meeting's desired state: none when it is not a series, else the mapping
 * of its Calendar rule (supported, or refused with its reason).
 */
export function seriesRecurrenceOf(desired: {
  readonly recurrence?: readonly string[];
  readonly start: string;
  readonly timeZone: string;
}): RecurrenceMapping | undefined {
  if (!desired.recurrence?.length) return undefined;
  return webexRecurrence({ lines: desired.recurrence, start: desired.start, timeZone: desired.timeZone });
}

/**
 * When a meeting's last occurrence ends: its own end for a single meeting (or a series whose
 * rule Webex cannot repeat: no Webex series exists, only what was requested), the last
 * occurrence's end for a series with COUNT or UNTIL, `open-ended` for a series without an end.
 */
export function lastOccurrenceEnd(desired: {
  readonly recurrence?: readonly string[];
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
}): { readonly kind: 'ends'; readonly end: string } | { readonly kind: 'open-ended' } {
  const mapping = seriesRecurrenceOf(desired);
  if (!mapping?.supported) return { kind: 'ends', end: desired.end };
  const start = Date.parse(desired.start);
  const last = lastOccurrenceStart(mapping.recurrence.parsed, start, desired.timeZone);
  if (last === undefined) return { kind: 'open-ended' };
  return { kind: 'ends', end: new Date(last + (Date.parse(desired.end) - start)).toISOString() };
}
