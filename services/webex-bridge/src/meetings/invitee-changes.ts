import type { Invitee } from '@scheduler/contracts';
import { normalizeInvitees } from './desired-state.js';

/** What Webex's invitee list needs so that it matches the calendar's attendees. */
export interface InviteeChanges<Current> {
  /** Desired invitees Webex does not have yet, sorted by email. */
  readonly toAdd: readonly Invitee[];
  /** Webex invitees the calendar no longer lists (and extra copies of one email), in Webex's order. */
  readonly toRemove: readonly Current[];
}

/**
 * Compares by email only, case-insensitively (email providers and Webex treat addresses so).
 * Display names are not compared: for someone with a Webex account Webex shows the account's
 * name instead of the one we send, so comparing them would never settle.
 *
 * `desired` is the calendar's attendee list without the organiser (the Webex host);
 * `current` is what Webex lists for the meeting (each entry needs its `id` to be removed).
 */
export function inviteeChanges<Current extends { readonly id: string; readonly email: string }>(
  desired: readonly Invitee[],
  current: readonly Current[],
): InviteeChanges<Current> {
  const wanted = normalizeInvitees(desired);
  const wantedEmails = new Set(wanted.map((invitee) => invitee.email.toLowerCase()));
  const present = new Set<string>();
  const toRemove: Current[] = [];
  for (const invitee of current) {
    const email = invitee.email.toLowerCase();
    if (!wantedEmails.has(email) || present.has(email)) toRemove.push(invitee);
    else present.add(email);
  }
  return { toAdd: wanted.filter((invitee) => !present.has(invitee.email.toLowerCase())), toRemove };
}
