/**
 * Webex speaks ISO 8601 with the offset of a named IANA zone ("2019-11-01T20:00:00+08:00" for
 * Asia/Shanghai). These helpers convert between instants and that rendering.
 */

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = offsetFormatters.get(timeZone);
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
      timeZoneName: 'longOffset',
    });
    offsetFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True for IANA zone names ("Europe/Berlin", "UTC"); false for offsets ("+01:00") and unknown names. */
export function isIanaTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    offsetFormatter(name);
    return true;
  } catch {
    return false;
  }
}

function zoneParts(instantMs: number, timeZone: string) {
  const parts = Object.fromEntries(
    offsetFormatter(timeZone)
      .formatToParts(new Date(instantMs))
      .map((part) => [part.type, part.value]),
  );
  const offsetText = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).slice(3);
  const sign = offsetText.startsWith('-') ? -1 : 1;
  const [hours, minutes] = offsetText.slice(1).split(':').map(Number);
  return {
    local: `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`,
    offsetText,
    offsetMs: sign * ((hours ?? 0) * 60 + (minutes ?? 0)) * 60_000,
  };
}

/** "2019-11-01T20:00:00+08:00"; UTC renders with "Z" as Webex does. */
export function formatInZone(instantMs: number, timeZone: string): string {
  const { local, offsetText } = zoneParts(instantMs, timeZone);
  return offsetText === '+00:00' ? `${local}Z` : `${local}${offsetText}`;
}

const isoDateTime =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses an ISO 8601 date or date-time. Like Webex, a value without an offset is read as local time in
 * `timeZone`. Returns undefined for anything that is not a valid date-time.
 */
export function parseDateTime(text: string, timeZone: string): number | undefined {
  const match = isoDateTime.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '0', offset] = match;
  const asUtc = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    Number(fraction.padEnd(3, '0').slice(0, 3)),
  );
  const check = new Date(asUtc);
  if (check.getUTCMonth() !== Number(month) - 1 || check.getUTCDate() !== Number(day) || Number(hour) > 23)
    return undefined;
  if (offset === 'Z') return asUtc;
  if (offset) {
    const digits = offset.replace(':', '');
    const sign = digits.startsWith('-') ? -1 : 1;
    return asUtc - sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
  }
  // Local wall time in the zone: guess, then correct by the zone's offset at the guess.
  const firstGuess = asUtc - zoneParts(asUtc, timeZone).offsetMs;
  return asUtc - zoneParts(firstGuess, timeZone).offsetMs;
}
