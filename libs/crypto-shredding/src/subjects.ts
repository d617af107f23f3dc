import type { EventEnvelope } from '@scheduler/contracts';
import { InvalidSubjectError, UnresolvableSubjectError } from './errors.js';

/**
 * A subject owns one data key; forgetting it shreds every value sealed under it. Subjects are
 * pseudonymous ids ("meeting:<uuid>", "user:<google sub>"), never personal data themselves,
 * because they are stored in clear beside each sealed value.
 */
export type Subject = string;

const SUBJECT = /^[a-z][A-Za-z]*:[A-Za-z0-9._:@-]{1,400}$/;

export function isSubject(subject: unknown): subject is Subject {
  return typeof subject === 'string' && SUBJECT.test(subject);
}

export function assertSubject(subject: unknown): asserts subject is Subject {
  if (!isSubject(subject)) {
    throw new InvalidSubjectError(subject, 'expected "<kind>:<id>", e.g. "meeting:<uuid>" or "user:<id>"');
  }
}

export const meetingSubject = (meetingId: string): Subject => `meeting:${meetingId}`;
export const userSubject = (userId: string): Subject => `user:${userId}`;

/** Resolves the subject of an event of one stream category; may throw UnresolvableSubjectError. */
export type SubjectResolver = (event: EventEnvelope) => Subject;

const streamIdentity = (event: EventEnvelope, category: string): string => {
  const prefix = `${category}-`;
  if (!event.streamId.startsWith(prefix)) {
    throw new UnresolvableSubjectError(event.type, event.streamId, `expected a "${prefix}<id>" stream`);
  }
  return event.streamId.slice(prefix.length);
};

const dataField = (event: EventEnvelope, field: string): string => {
  const value = (event.data as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'string' || !value) {
    throw new UnresolvableSubjectError(event.type, event.streamId, `data.${field} is missing`);
  }
  return value;
};

/**
 * The subject of each stream category's personal data: meeting data under a key
 * per meeting, so that a meeting's data can be forgotten alone; profile data under a key per user.
 *
 * - meeting-<meetingId>: the meeting.
 * - googleAccount-<userId>, webexAccount-<userId>: the user.
 * - calendarEvent-<userId>.<eventId>: an event that carries our conference is meeting data,
 *   so it is shredded with the meeting; one without it is the user's.
 * - calendarWatch-<userId>, accountErasure-<userId>: the user (their events carry no personal data today).
 *
 * The subject is written beside every sealed value, so changing a rule here only affects new
 * events: stored ones keep the subject they were sealed under.
 */
export const subjectResolvers: Readonly<Record<string, SubjectResolver>> = {
  meeting: (event) => meetingSubject(streamIdentity(event, 'meeting')),
  googleAccount: (event) => userSubject(streamIdentity(event, 'googleAccount')),
  webexAccount: (event) => userSubject(streamIdentity(event, 'webexAccount')),
  calendarEvent: (event) => {
    const conference = (event.data as { conference?: { meetingId?: unknown } } | null)?.conference;
    if (conference && typeof conference.meetingId === 'string') return meetingSubject(conference.meetingId);
    return userSubject(dataField(event, 'userId'));
  },
  calendarWatch: (event) => userSubject(dataField(event, 'userId')),
  // No personal data today; the user's, should a field ever be added.
  accountErasure: (event) => userSubject(streamIdentity(event, 'accountErasure')),
};

/** The default resolver: by the stream category (the stream id up to the first "-"). */
export function subjectOf(event: EventEnvelope, resolvers = subjectResolvers): Subject {
  const category = event.streamId.slice(0, Math.max(0, event.streamId.indexOf('-')));
  const resolve = Object.hasOwn(resolvers, category) ? resolvers[category] : undefined;
  if (!resolve) {
    throw new UnresolvableSubjectError(
      event.type,
      event.streamId,
      `no subject rule for stream category "${category}"`,
    );
  }
  const subject = resolve(event);
  assertSubject(subject);
  return subject;
}
