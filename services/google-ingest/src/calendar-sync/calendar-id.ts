/** The keyword Google accepts for the caller's own primary calendar. */
export const PRIMARY_CALENDAR = 'primary';

/**
 * The one id google-ingest uses for a calendar. Google accepts `primary` for the owner's own
 * calendar, whose real id is the owner's email; if both forms entered our streams and rows,
 * one event would be two (and could get two meetings). So `primary` and the owner's email (in
 * any case: emails compare case-insensitively) become the lower-cased email; any other
 * calendar keeps its id, which Google compares exactly.
 */
export function canonicalCalendarId(calendarId: string, ownerEmail: string): string {
  const owner = ownerEmail.toLowerCase();
  if (calendarId === PRIMARY_CALENDAR || calendarId.toLowerCase() === owner) return owner;
  return calendarId;
}
