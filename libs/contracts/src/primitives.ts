import { z } from 'zod';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// Building an Intl.DateTimeFormat costs ~0.3 ms; the set of valid names is small and fixed.
const knownTimeZones = new Set<string>();

function isIanaTimeZone(value: string): boolean {
  if (knownTimeZones.has(value)) return true;
  // Every IANA name segment starts with an upper-case letter ("Etc/GMT+5", "America/Port-au-Prince").
  if (!/^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/.test(value)) return false;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  // Intl matches names case-insensitively ("EUROPE/BERLIN"), but Calendar and Webex expect the
  // exact IANA spelling. An alias ("US/Pacific") resolves to another name and is fine as written.
  const valid = resolved === value || resolved.toLowerCase() !== value.toLowerCase();
  if (valid) knownTimeZones.add(value);
  return valid;
}

/** An IANA time zone name such as "Europe/Berlin" (what Calendar and Webex both use). */
export const TimeZone = z
  .string()
  .max(64)
  .refine(isIanaTimeZone, { message: 'must be an IANA time zone such as "Europe/Berlin"' });

// Only the format issue gets our wording: a missing or non-string value keeps its own message.
const formatMessage = (message: string) => (issue: { code: string }) =>
  issue.code === 'invalid_format' ? message : undefined;

export const Email = z.email({ error: formatMessage('must be an email address') }).max(254);

/** An ISO 8601 instant with an explicit offset, e.g. "2026-11-26T09:00:00Z". */
export const Instant = z.iso.datetime({
  offset: true,
  error: formatMessage('must be an ISO 8601 date-time with an offset, e.g. "2026-11-26T09:00:00Z"'),
});

export const UuidV7 = z.string().regex(UUID_V7, { message: 'must be a UUIDv7' });

/** Our meeting id; also written into the Webex meeting's integrationTags. */
export const MeetingId = UuidV7;

/** A tenant is one Google Workspace customer, named by its primary domain. */
export const TenantId = z
  .string()
  .min(3)
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, {
    message: 'must be a lower-case domain name',
  });

/** Our user id: the Google account's stable subject ("sub" claim). */
export const UserId = z
  .string()
  .regex(/^[0-9A-Za-z_-]{1,64}$/, { message: 'must be a Google account subject id' });

export const CalendarId = z.string().min(1).max(512);
/** Google event ids are base32hex; instances add a suffix such as "_20261126T090000Z". */
/** A Gmail message id as Gmail and add-on event objects give it (hex, or `msg-f:…`). */
export const GmailMessageId = z
  .string()
  .regex(/^[A-Za-z0-9:_-]{1,256}$/, { message: 'must be a Gmail message id' });

/**
 * The add-on's per-message Gmail access token, sent on as the X-Goog-Gmail-Access-Token header:
 * an OAuth token is visible ASCII, and anything else cannot be put in a header at all (fetch
 * throws on it, which answered a 502).
 */
export const GmailMessageToken = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^[\x21-\x7E]+$/, { message: 'must be visible ASCII characters (an access token)' });

export const CalendarEventId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,1024}$/, { message: 'must be a Google Calendar event id' });

/**
 * A recurring event's rule as Calendar states it: iCalendar RRULE, EXRULE, RDATE and EXDATE
 * lines (no DTSTART; the event's start and time zone anchor them).
 */
export const RecurrenceLines = z.array(z.string().min(1).max(2048)).min(1).max(100);

/** Webex site URLs are host names such as "acme.webex.com"; the allow-list pattern guards against SSRF. */
export const WebexSiteUrl = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.webex\.com$/, {
    message: 'must be a Webex site such as "acme.webex.com"',
  });

/** A BCP 47 language tag such as "en-GB" (Google's account locale, a user's language choice). */
export const Locale = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: 'must be a BCP 47 locale such as "en-GB"' });

/** A Webex meeting template id, as Webex lists it for a site. */
export const MeetingTemplateId = z.string().min(1).max(256);

export const HttpsUrl = z.url({ protocol: /^https$/ }).max(1300);

export const Invitee = z.strictObject({
  email: Email,
  displayName: z.string().min(1).max(256).optional(),
});
export type Invitee = z.infer<typeof Invitee>;

export function newUuidV7(now: number = Date.now()): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const timestamp = BigInt(now);
  for (let index = 0; index < 6; index++)
    bytes[index] = Number((timestamp >> BigInt(8 * (5 - index))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
