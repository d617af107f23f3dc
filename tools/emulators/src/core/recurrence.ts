/**
 * Expansion of RFC 5545 recurrence rules in a named time zone, shared by the Google and Webex
 * emulators. The rrule library expands; luxon converts between instants and wall-clock times.
 *
 * Both services repeat a meeting at the same local time (09:00 in Berlin stays 09:00 across a
 * daylight-saving change), so the rule is expanded on "floating" wall-clock times: each local
 * time is carried as a Date whose UTC fields hold the wall-clock fields, and only the results
 * are placed in the zone. rrule's own TZID support is not used: it is tied to the host's zone.
 */
import { DateTime } from 'luxon';
import rrulePackage, { type Options } from 'rrule';

// rrule ships CommonJS without named ESM exports: take them from the default export.
const { RRule } = rrulePackage;

export class RecurrenceRuleInvalid extends Error {
  constructor(
    readonly rule: string,
    readonly reason: string,
  ) {
    super(`Invalid recurrence rule ${rule}: ${reason}`);
    this.name = 'RecurrenceRuleInvalid';
  }
}

/** "FREQ=WEEKLY;COUNT=3" as ordered [NAME, value] pairs; a part named twice is refused. */
export function ruleParts(rule: string): Array<[string, string]> {
  const parts: Array<[string, string]> = [];
  for (const part of rule.split(';')) {
    const separator = part.indexOf('=');
    if (separator <= 0 || separator === part.length - 1)
      throw new RecurrenceRuleInvalid(rule, `"${part}" is not NAME=value`);
    const name = part.slice(0, separator).toUpperCase();
    if (parts.some(([seen]) => seen === name))
      throw new RecurrenceRuleInvalid(rule, `${name} is given more than once`);
    parts.push([name, part.slice(separator + 1)]);
  }
  return parts;
}

/** The wall-clock time of `instantMs` in `timeZone`, carried in a Date's UTC fields. */
export function wallClock(instantMs: number, timeZone: string): Date {
  const local = DateTime.fromMillis(instantMs, { zone: timeZone });
  return new Date(
    Date.UTC(
      local.year,
      local.month - 1,
      local.day,
      local.hour,
      local.minute,
      local.second,
      local.millisecond,
    ),
  );
}

/** The instant a wall-clock time (UTC fields of `wall`) is in `timeZone`; a time in a DST gap moves forward. */
export function instantOf(wall: Date, timeZone: string): number {
  return DateTime.fromObject(
    {
      year: wall.getUTCFullYear(),
      month: wall.getUTCMonth() + 1,
      day: wall.getUTCDate(),
      hour: wall.getUTCHours(),
      minute: wall.getUTCMinutes(),
      second: wall.getUTCSeconds(),
      millisecond: wall.getUTCMilliseconds(),
    },
    { zone: timeZone },
  ).toMillis();
}

/** Midnight (local) of the day `instantMs` falls on in `timeZone`. */
export function startOfLocalDay(instantMs: number, timeZone: string): number {
  return DateTime.fromMillis(instantMs, { zone: timeZone }).startOf('day').toMillis();
}

/** `years` calendar years after `instantMs`, counted in `timeZone`. */
export function yearsLater(instantMs: number, years: number, timeZone: string): number {
  return DateTime.fromMillis(instantMs, { zone: timeZone }).plus({ years }).toMillis();
}

/** yyyymmddThhmmssZ of an instant, as Google and Webex suffix occurrence ids. */
export function utcStamp(instantMs: number): string {
  const iso = new Date(instantMs).toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}T${iso.slice(11, 19).replaceAll(':', '')}Z`;
}

/**
 * UNTIL as a wall-clock bound: "…Z" is an instant, a bare date-time is local time, and a bare
 * date includes that whole local day.
 */
function wallUntil(rule: string, value: string, timeZone: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value);
  if (!match) throw new RecurrenceRuleInvalid(rule, `UNTIL=${value} is not a date or date-time`);
  const [, year, month, day, hour, minute, second, utc] = match;
  const fields = [Number(year), Number(month) - 1, Number(day)] as const;
  if (hour === undefined) return new Date(Date.UTC(...fields, 23, 59, 59));
  const asUtc = Date.UTC(...fields, Number(hour), Number(minute), Number(second));
  return utc ? wallClock(asUtc, timeZone) : new Date(asUtc);
}

function parsedRule(rule: string, firstStartWall: Date, timeZone: string): InstanceType<typeof RRule> {
  const parts = ruleParts(rule);
  const until = parts.find(([name]) => name === 'UNTIL');
  const withoutUntil = parts
    .filter(([name]) => name !== 'UNTIL')
    .map(([name, value]) => `${name}=${value}`)
    .join(';');
  let options: Partial<Options>;
  try {
    options = RRule.parseString(withoutUntil);
  } catch (error) {
    throw new RecurrenceRuleInvalid(rule, error instanceof Error ? error.message : String(error));
  }
  if (options.freq === undefined) throw new RecurrenceRuleInvalid(rule, 'FREQ is required');
  if (options.count !== undefined && options.count !== null && (options.count < 1 || until))
    throw new RecurrenceRuleInvalid(rule, 'COUNT must be positive and cannot be combined with UNTIL');
  if (options.interval !== undefined && !(Number.isInteger(options.interval) && options.interval >= 1))
    throw new RecurrenceRuleInvalid(rule, 'INTERVAL must be a positive integer');
  return new RRule({
    ...options,
    dtstart: firstStartWall,
    tzid: null,
    ...(until ? { until: wallUntil(rule, until[1], timeZone) } : {}),
  });
}

export interface SeriesPattern {
  /** RRULE values without the "RRULE:" prefix. */
  rules: readonly string[];
  /** The first occurrence's start (DTSTART). */
  firstStartMs: number;
  /** IANA zone the rule repeats in. */
  timeZone: string;
  /** Occurrence starts taken out (EXDATE). */
  exclusionsMs?: readonly number[];
  /** Occurrence starts added (RDATE). */
  additionsMs?: readonly number[];
}

/** Throws RecurrenceRuleInvalid when a rule of the pattern cannot be expanded. */
export function checkPattern(pattern: SeriesPattern): void {
  const dtstart = wallClock(pattern.firstStartMs, pattern.timeZone);
  for (const rule of pattern.rules) parsedRule(rule, dtstart, pattern.timeZone);
}

/**
 * Occurrence starts (instants, ascending) from the first one up to (not including) `beforeMs`,
 * at most `limit` of them; open-ended rules stop there too.
 */
export function occurrenceStarts(
  pattern: SeriesPattern,
  bounds: { beforeMs: number; limit: number },
): number[] {
  const zone = pattern.timeZone;
  const dtstart = wallClock(pattern.firstStartMs, zone);
  const horizon = wallClock(bounds.beforeMs, zone).getTime();
  const excluded = new Set((pattern.exclusionsMs ?? []).map((ms) => wallClock(ms, zone).getTime()));
  // Each rule stops at the horizon or once it has given enough to survive the exclusions.
  // (RRuleSet is not used: with an early stop it yields RDATEs out of order.)
  const wanted = bounds.limit + excluded.size;
  const walls = new Set<number>();
  for (const rule of pattern.rules)
    parsedRule(rule, dtstart, zone).all((wall, index) => {
      if (index >= wanted || wall.getTime() >= horizon) return false;
      walls.add(wall.getTime());
      return true;
    });
  for (const added of pattern.additionsMs ?? []) {
    const wall = wallClock(added, zone).getTime();
    if (wall < horizon) walls.add(wall);
  }
  return [...walls]
    .filter((wall) => !excluded.has(wall))
    .sort((left, right) => left - right)
    .slice(0, bounds.limit)
    .map((wall) => instantOf(new Date(wall), zone));
}
