import type { GoogleCalendarClient } from '@scheduler/google';

/**
 * The ids (lower-cased) of the calendars the user owns: the primary one (the user's email) and
 * the secondary calendars whose `dataOwner` the user is. Google names a secondary calendar, not
 * its owner, as the organiser of the events made on it, so these ids stand for the user too. A
 * calendar shared with the user is not theirs, whatever its access role: its events are its
 * owner's.
 */
export async function ownCalendarIds(account: {
  readonly email: string;
  readonly calendar: Pick<GoogleCalendarClient, 'listCalendars'>;
}): Promise<ReadonlySet<string>> {
  const email = account.email.toLowerCase();
  const owned = new Set([email]);
  for (const entry of await account.calendar.listCalendars())
    if (entry.id && entry.dataOwner?.toLowerCase() === email) owned.add(entry.id.toLowerCase());
  return owned;
}

/** Whether the organiser's email names someone else than the user (so ownCalendarIds may be needed). */
export const organizedElsewhere = (organizerEmail: string | null | undefined, userEmail: string) =>
  !!organizerEmail && organizerEmail.toLowerCase() !== userEmail.toLowerCase();
