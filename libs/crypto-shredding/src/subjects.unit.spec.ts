import { describe, expect, it } from '@jest/globals';
import {
  CalendarEventChanged,
  GoogleAccountConnected,
  MeetingRequested,
  createEvent,
  type EventEnvelope,
} from '@scheduler/contracts';
import { UnresolvableSubjectError } from './errors.js';
import { subjectOf } from './subjects.js';

const meetingId = '019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
const userId = '108234567890123456789';
const calendarEvent = (conference?: { meetingId: string; conferenceId: string }) =>
  createEvent(CalendarEventChanged, {
    streamId: `calendarEvent-${userId}.evt1`,
    tenantId: 'example.com',
    data: {
      change: 'updated',
      userId,
      calendarId: 'primary',
      eventId: 'evt1',
      iCalUID: 'evt1@google.com',
      organizedByUser: true,
      title: 'Budget',
      start: '2026-12-01T09:00:00Z',
      end: '2026-12-01T09:30:00Z',
      timeZone: 'Europe/Berlin',
      attendees: [],
      organizerEmail: 'ada@example.com',
      ...(conference ? { conference } : {}),
      updatedAt: '2026-11-30T09:00:00Z',
    },
  });

describe('subjectOf', () => {
  it('puts meeting data under the meeting and profile data under the user', () => {
    const requested = createEvent(MeetingRequested, {
      streamId: `meeting-${meetingId}`,
      tenantId: 'example.com',
      data: {
        meetingId,
        userId,
        source: 'gmail',
        calendarId: 'primary',
        title: 'Budget',
        start: '2026-12-01T09:00:00Z',
        end: '2026-12-01T09:30:00Z',
        timeZone: 'Europe/Berlin',
        invitees: [],
      },
    });
    expect(subjectOf(requested)).toBe(`meeting:${meetingId}`);
    const connected = createEvent(GoogleAccountConnected, {
      streamId: `googleAccount-${userId}`,
      tenantId: 'example.com',
      data: {
        userId,
        email: 'ada@example.com',
        locale: 'en-GB',
        timeZone: 'Europe/London',
        hostedDomain: 'example.com',
        scopes: ['openid'],
      },
    });
    expect(subjectOf(connected)).toBe(`user:${userId}`);
  });

  it('puts a calendar event that carries our conference under its meeting, and any other under its user', () => {
    expect(subjectOf(calendarEvent({ meetingId, conferenceId: 'c1' }))).toBe(`meeting:${meetingId}`);
    expect(subjectOf(calendarEvent())).toBe(`user:${userId}`);
  });

  it('refuses a stream category without a rule', () => {
    const event = { ...calendarEvent(), streamId: 'mystery-1' } as EventEnvelope;
    expect(() => subjectOf(event)).toThrow(UnresolvableSubjectError);
    expect(() => subjectOf(event)).toThrow(/no subject rule for stream category "mystery"/);
  });
});
