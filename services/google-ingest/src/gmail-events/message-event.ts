import { createHash } from 'node:crypto';
import { primitives } from '@scheduler/contracts';
import type { MessageMetadata } from '@scheduler/google';

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';
const MAXIMUM_TITLE_LENGTH = 1024;
const MAXIMUM_DISPLAY_NAME_LENGTH = 256;
const MAXIMUM_ATTENDEES = 1000;

/**
 * The id of the calendar event made from a message: a SHA-256 of (user, message, start, end) in
 * base32hex, which Google accepts as a client-chosen event id (a-v and 0-9, 5 to 1024
 * characters). The same request made again names the same event, so its insert collides (409)
 * instead of making a second event. The instants are normalised, so one time written two ways
 * is one event.
 */
export function messageEventId(input: {
  userId: string;
  messageId: string;
  start: string;
  end: string;
}): string {
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        'gmail-message-event/v1',
        input.userId,
        input.messageId,
        new Date(input.start).toISOString(),
        new Date(input.end).toISOString(),
      ]),
    )
    .digest();
  let id = '';
  let buffered = 0;
  let bits = 0;
  for (const byte of digest) {
    buffered = (buffered << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      id += BASE32HEX[(buffered >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffered &= (1 << bits) - 1;
  }
  if (bits > 0) id += BASE32HEX[(buffered << (5 - bits)) & 31];
  return id;
}

export interface Address {
  readonly email: string;
  readonly displayName?: string;
}

/**
 * The addresses of an RFC 5322 address header (`Name <a@b>, c@d, "Last, First" <e@f>`):
 * lower-cased emails; entries that are not valid emails are left out.
 */
export function parseAddressList(header: string | undefined): Address[] {
  if (!header) return [];
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  let angled = false;
  for (const character of header) {
    if (character === '"' && !angled) quoted = !quoted;
    else if (character === '<' && !quoted) angled = true;
    else if (character === '>' && !quoted) angled = false;
    if (character === ',' && !quoted && !angled) {
      entries.push(current);
      current = '';
    } else current += character;
  }
  entries.push(current);
  return entries.flatMap((entry) => {
    const angle = /<([^>]*)>/.exec(entry);
    const email = (angle ? angle[1]! : entry).trim().toLowerCase();
    if (!primitives.Email.safeParse(email).success) return [];
    const name = angle
      ? entry
          .slice(0, angle.index)
          .trim()
          .replace(/^"(.*)"$/, '$1')
          .trim()
      : '';
    return [{ email, ...(name ? { displayName: name.slice(0, MAXIMUM_DISPLAY_NAME_LENGTH) } : {}) }];
  });
}

/**
 * Who is invited to the event made from a message: its sender and every To and Cc recipient,
 * each once, except the user, who organises the event (and is its Webex host).
 */
export function attendeesOf(headers: MessageMetadata['headers'], userEmail: string): Address[] {
  const own = userEmail.toLowerCase();
  const byEmail = new Map<string, Address>();
  for (const address of [
    ...parseAddressList(headers.From),
    ...parseAddressList(headers.To),
    ...parseAddressList(headers.Cc),
  ])
    if (address.email !== own && !byEmail.has(address.email)) byEmail.set(address.email, address);
  return [...byEmail.values()].slice(0, MAXIMUM_ATTENDEES);
}

/** The event's title: the subject as it is (the meeting shortens it to Webex's 128 characters). */
export const titleOf = (headers: MessageMetadata['headers']) =>
  (headers.Subject ?? '').trim().slice(0, MAXIMUM_TITLE_LENGTH);
