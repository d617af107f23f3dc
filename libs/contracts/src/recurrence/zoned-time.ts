/** A wall-clock time in some IANA time zone. Months are 1-12; weekday 0 = Sunday. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock time of `instant` (milliseconds) in `timeZone`. */
export function wallTimeOf(instant: number, timeZone: string): WallTime {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const field = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second'),
  };
}

const asUtc = (wall: WallTime) =>
  Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);

/**
 * The instant (milliseconds) at which `timeZone` shows `wall`. A wall time skipped by a
 * daylight-saving jump resolves to the instant after the jump, as Calendar does; a repeated one
 * to its first occurrence.
 */
export function instantOf(wall: WallTime, timeZone: string): number {
  const target = asUtc(wall);
  const offsetAt = (instant: number) => asUtc(wallTimeOf(instant, timeZone)) - instant;
  // Two passes settle a day whose offset changes; a third catches the gap of a jump forward.
  let instant = target - offsetAt(target);
  instant = target - offsetAt(instant);
  const shown = asUtc(wallTimeOf(instant, timeZone));
  if (shown !== target) instant = target - offsetAt(instant + 3 * 3_600_000);
  return instant;
}

/** Days in a month (1-12) of a year. */
export const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The weekday (0 = Sunday) of a calendar date. */
export const weekdayOf = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay();

/** Whether two instants fall on the same calendar day in `timeZone`. */
export function sameDay(left: number, right: number, timeZone: string): boolean {
  const a = wallTimeOf(left, timeZone);
  const b = wallTimeOf(right, timeZone);
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

/** `yyyymmddThhmmssZ`, the UTC form of iCalendar and of Webex's occurrence ids. */
export function basicUtc(instant: number): string {
  return new Date(instant)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
