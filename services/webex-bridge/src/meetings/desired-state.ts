import { createHash } from 'node:crypto';
import type { DataOf, Invitee, CalendarEventChanged } from '@scheduler/contracts';
import { seriesRecurrenceOf } from '@scheduler/contracts';

/** What the Webex meeting should look like. Always normalized: see normalizeDesiredState. */
export interface DesiredState {
  readonly title: string;
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
  readonly invitees: readonly Invitee[];
  /**
   * A recurring calendar series: its rule as Calendar states it (start and end are its first
   * occurrence's). Mapped to Webex's rule only when called (recurrence/webex-recurrence.ts).
   */
  readonly recurrence?: readonly string[];
}

export type ChangedAspect = 'title' | 'time' | 'invitees' | 'recurrence';

export const maximumTitleLength = 128;
export const untitled = '(No title)';
export const minimumDurationMs = 10 * 60_000;
/** Webex: "cannot be longer than 23 hours 59 minutes" (api-notes, emulator). */
export const maximumDurationMs = (23 * 60 + 59) * 60_000;

type CalendarChange = DataOf<typeof CalendarEventChanged>;
export type LiveCalendarChange = Extract<CalendarChange, { change: 'created' | 'updated' }>;

/**
 * Webex allows 128 characters; Calendar allows 1024. Longer titles keep 127 characters and an
 * ellipsis, cut on a code-point boundary so no surrogate pair is split. Empty titles (Calendar
 * allows them, Webex does not) become "(No title)", as Calendar shows them.
 */
export function webexTitle(title: string): string {
  if (title.length === 0) return untitled;
  if (title.length <= maximumTitleLength) return title;
  let cut = maximumTitleLength - 1;
  const last = title.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${title.slice(0, cut)}…`;
}

/**
 * Webex refuses meetings shorter than 10 minutes or longer than 23 h 59 min; Calendar allows
 * both (even zero-length events). The meeting room is only a booking: people can join before
 * the start and stay after the end, so stretching or shortening it harms nobody, while failing
 * would leave the event without a meeting. The start never moves.
 */
export function clampDuration(start: string, end: string): { start: string; end: string } {
  const startMs = Date.parse(start);
  const endMs = Date.parse(end);
  const duration = endMs - startMs;
  if (duration >= minimumDurationMs && duration <= maximumDurationMs) return { start, end };
  const clamped = duration < minimumDurationMs ? minimumDurationMs : maximumDurationMs;
  return { start, end: new Date(startMs + clamped).toISOString() };
}

/** One entry per address (first wins, case-insensitive), sorted, without the organizer. */
export function normalizeInvitees(invitees: readonly Invitee[], organizerEmail?: string): Invitee[] {
  const organizer = organizerEmail?.toLowerCase();
  const seen = new Set<string>();
  const result: Invitee[] = [];
  for (const invitee of invitees) {
    const key = invitee.email.toLowerCase();
    if (key === organizer || seen.has(key)) continue;
    seen.add(key);
    result.push(
      invitee.displayName === undefined
        ? { email: invitee.email }
        : { email: invitee.email, displayName: invitee.displayName },
    );
  }
  const key = (invitee: Invitee) => invitee.email.toLowerCase();
  return result.sort((left, right) => (key(left) < key(right) ? -1 : key(left) > key(right) ? 1 : 0));
}

export function normalizeDesiredState(input: {
  title: string;
  start: string;
  end: string;
  timeZone: string;
  invitees: readonly Invitee[];
  organizerEmail?: string;
  recurrence?: readonly string[] | undefined;
}): DesiredState {
  return {
    title: webexTitle(input.title),
    ...clampDuration(input.start, input.end),
    timeZone: input.timeZone,
    invitees: normalizeInvitees(input.invitees, input.organizerEmail),
    ...(input.recurrence?.length ? { recurrence: [...input.recurrence] } : {}),
  };
}

/** The desired state as a contract's fields (the contracts' arrays are mutable copies). */
export function desiredStateFields(desired: DesiredState) {
  const { invitees, recurrence, ...rest } = desired;
  return { ...rest, invitees: [...invitees], ...(recurrence ? { recurrence: [...recurrence] } : {}) };
}

export function desiredStateFromChange(change: LiveCalendarChange): DesiredState {
  return normalizeDesiredState({
    title: change.title,
    start: change.start,
    end: change.end,
    timeZone: change.timeZone,
    invitees: change.attendees,
    organizerEmail: change.organizerEmail,
    recurrence: change.recurrence,
  });
}

const sameInstant = (left: string, right: string) => Date.parse(left) === Date.parse(right);

/** Which aspects differ; empty when the meeting already looks like `desired`. */
export function changedAspects(applied: DesiredState, desired: DesiredState): ChangedAspect[] {
  const changed: ChangedAspect[] = [];
  if (applied.title !== desired.title) changed.push('title');
  if (
    !sameInstant(applied.start, desired.start) ||
    !sameInstant(applied.end, desired.end) ||
    applied.timeZone !== desired.timeZone
  )
    changed.push('time');
  const invitees = (list: readonly Invitee[]) =>
    JSON.stringify(
      normalizeInvitees(list).map((invitee) => [invitee.email.toLowerCase(), invitee.displayName]),
    );
  if (invitees(applied.invitees) !== invitees(desired.invitees)) changed.push('invitees');
  if (JSON.stringify(applied.recurrence ?? []) !== JSON.stringify(desired.recurrence ?? []))
    changed.push('recurrence');
  return changed;
}

/** Webex's `recurrence` of a series; undefined for a single meeting or a rule Webex cannot repeat. */
export function webexRuleOf(desired: DesiredState): string | undefined {
  const mapping = seriesRecurrenceOf(desired);
  return mapping?.supported ? mapping.recurrence.rule : undefined;
}

/**
 * Whether applying `changed` rewrites the Webex series itself (its times or its Webex rule), so
 * that Webex drops every changed or deleted occurrence. EXDATE lines alone change no Webex rule:
 * their occurrences are deleted one by one instead.
 */
export function rewritesWebexSeries(
  applied: DesiredState | undefined,
  desired: DesiredState,
  changed: readonly ChangedAspect[],
): boolean {
  if (changed.includes('time')) return true;
  if (!changed.includes('recurrence')) return false;
  return applied === undefined || webexRuleOf(applied) !== webexRuleOf(desired);
}

const uuidV7Layout = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The meeting id of the copy of `originalMeetingId` in calendar event (calendarId, eventId).
 * Deterministic, so a redelivered change cannot request the copy twice. Shaped as UUIDv7: the
 * 48-bit time field is the original's (a copy sorts beside its original; nothing reads it as a
 * creation time), the 74 other bits come from SHA-256 over the three inputs.
 */
export function copyMeetingId(originalMeetingId: string, calendarId: string, eventId: string): string {
  const layout = uuidV7Layout.exec(originalMeetingId);
  if (!layout) throw new RangeError(`copyMeetingId: "${originalMeetingId}" is not a UUIDv7`);
  const hash = createHash('sha256')
    .update(`scheduler/copy-meeting\u0000${originalMeetingId}\u0000${calendarId}\u0000${eventId}`)
    .digest();
  const bytes = Buffer.alloc(16);
  Buffer.from(`${layout[1]}${layout[2]}`, 'hex').copy(bytes, 0);
  bytes[6] = 0x70 | (hash[0]! & 0x0f);
  bytes[7] = hash[1]!;
  bytes[8] = 0x80 | (hash[2]! & 0x3f);
  hash.copy(bytes, 9, 3, 10);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
