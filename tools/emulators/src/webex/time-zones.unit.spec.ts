import { describe, expect, it } from '@jest/globals';
import { formatInZone, isIanaTimeZone, parseDateTime } from './time-zones.js';

describe('Webex time rendering', () => {
  it('renders an instant with the named zone offset, and UTC with Z', () => {
    const instant = Date.UTC(2019, 10, 1, 12, 0, 0);
    expect(formatInZone(instant, 'Asia/Shanghai')).toBe('2019-11-01T20:00:00+08:00');
    expect(formatInZone(instant, 'America/New_York')).toBe('2019-11-01T08:00:00-04:00');
    expect(formatInZone(instant, 'UTC')).toBe('2019-11-01T12:00:00Z');
  });

  it('parses offsets, Z, dates, and wall time in the meeting zone across a DST change', () => {
    expect(parseDateTime('2019-11-01T20:00:00+08:00', 'UTC')).toBe(Date.UTC(2019, 10, 1, 12));
    expect(parseDateTime('2019-11-01T12:00:00.123Z', 'UTC')).toBe(Date.UTC(2019, 10, 1, 12, 0, 0, 123));
    expect(parseDateTime('2019-11-01', 'UTC')).toBe(Date.UTC(2019, 10, 1));
    expect(parseDateTime('2026-03-29T12:00:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 10));
    expect(parseDateTime('2026-03-28T12:00:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 28, 11));
  });

  it('rejects what is not a date-time', () => {
    for (const text of ['tomorrow', '2019-02-30T10:00:00Z', '2019-11-01T25:00:00Z', ''])
      expect(parseDateTime(text, 'UTC')).toBeUndefined();
  });

  it('accepts IANA zone names only', () => {
    expect(isIanaTimeZone('Europe/Berlin')).toBe(true);
    expect(isIanaTimeZone('UTC')).toBe(true);
    expect(isIanaTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    for (const bad of ['+01:00', 'Mars/Olympus', 'CET; DROP', '']) expect(isIanaTimeZone(bad)).toBe(false);
  });
});
