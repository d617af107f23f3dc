import { GoogleHttpError } from './errors.js';

const dayMs = 86_400_000;
/** A series without COUNT or UNTIL is expanded this far, which is plenty for tests and the demo. */
const openEndedLimit = 366;

interface Rule {
  frequency: 'DAILY' | 'WEEKLY';
  interval: number;
  count?: number;
  untilMs?: number;
}

function parseUntil(value: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(value);
  if (!match) throw new GoogleHttpError(400, 'invalid', `Invalid recurrence rule: UNTIL=${value}`);
  const [, year, month, day, hour = '23', minute = '59', second = '59'] = match;
  return Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
}

/**
 * Parses the RRULE subset the emulator expands: FREQ=DAILY|WEEKLY with INTERVAL, COUNT and UNTIL.
 * Anything else is rejected loudly rather than expanded wrongly.
 */
export function parseRecurrence(lines: readonly string[]): Rule | undefined {
  const ruleLine = lines.find((line) => line.startsWith('RRULE:'));
  if (!ruleLine) return undefined;
  const parts = new Map(
    ruleLine
      .slice('RRULE:'.length)
      .split(';')
      .map((part) => part.split('=') as [string, string]),
  );
  const frequency = parts.get('FREQ');
  if (frequency !== 'DAILY' && frequency !== 'WEEKLY')
    throw new GoogleHttpError(
      400,
      'invalid',
      `The emulator expands only FREQ=DAILY or WEEKLY, got ${ruleLine}`,
    );
  for (const key of parts.keys())
    if (!['FREQ', 'INTERVAL', 'COUNT', 'UNTIL'].includes(key))
      throw new GoogleHttpError(400, 'invalid', `The emulator does not support ${key} in ${ruleLine}`);
  const interval = Number(parts.get('INTERVAL') ?? '1');
  const count = parts.has('COUNT') ? Number(parts.get('COUNT')) : undefined;
  if (
    !Number.isInteger(interval) ||
    interval < 1 ||
    (count !== undefined && (!Number.isInteger(count) || count < 1))
  )
    throw new GoogleHttpError(400, 'invalid', `Invalid recurrence rule: ${ruleLine}`);
  const until = parts.get('UNTIL');
  return {
    frequency,
    interval,
    ...(count !== undefined ? { count } : {}),
    ...(until !== undefined ? { untilMs: parseUntil(until) } : {}),
  };
}

/** Start instants (ms) of every occurrence of a series that starts at `firstStartMs`. */
export function occurrenceStarts(rule: Rule, firstStartMs: number): number[] {
  const stepMs = (rule.frequency === 'DAILY' ? dayMs : 7 * dayMs) * rule.interval;
  const limit = Math.min(rule.count ?? openEndedLimit, openEndedLimit);
  const starts: number[] = [];
  for (let index = 0; index < limit; index++) {
    const start = firstStartMs + index * stepMs;
    if (rule.untilMs !== undefined && start > rule.untilMs) break;
    starts.push(start);
  }
  return starts;
}

/** Google's instance id suffix: 20240105T090000Z for timed events, 20240105 for all-day ones. */
export function instanceSuffix(startMs: number, allDay: boolean): string {
  const iso = new Date(startMs).toISOString();
  const date = iso.slice(0, 10).replaceAll('-', '');
  if (allDay) return date;
  return `${date}T${iso.slice(11, 19).replaceAll(':', '')}Z`;
}
