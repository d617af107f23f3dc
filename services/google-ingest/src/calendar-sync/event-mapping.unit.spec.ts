import { describe, expect, it } from '@jest/globals';
import { CalendarEventChanged, createEvent, newUuidV7, streamIdPattern } from '@scheduler/contracts';
import type { CalendarEvent } from '@scheduler/google';
import { calendarEventStreamId, liveEventData, stateDigest } from './event-mapping.js';

const owner = { userId: '100000000000000000001', email: 'Alice@Demo.Example' };
const conference = { meetingId: newUuidV7(), conferenceId: '2551234567' };
const now = new Date('2026-11-26T08:00:00Z');
const event: CalendarEvent = {
  id: 'abc123def456',
  iCalUID: 'abc123def456@google.com',
  status: 'confirmed',
  summary: 'Planning',
  updated: '2026-11-25T10:00:00.000Z',
  organizer: { email: 'alice@demo.example' },
  start: { dateTime: '2027-01-04T10:00:00+01:00', timeZone: 'Europe/Berlin' },
  end: { dateTime: '2027-01-04T10:30:00+01:00', timeZone: 'Europe/Berlin' },
  attendees: [
    { email: 'Carol@demo.example', displayName: 'Carol' },
    { email: 'bob@demo.example' },
    { email: 'room-1@resource.calendar.google.com', resource: true },
    { email: 'carol@demo.example' },
    { email: 'not an email' },
  ],
};
const map = (changes: Partial<CalendarEvent> = {}, timeZone = 'Europe/Berlin') =>
  liveEventData({
    owner,
    calendarId: 'alice@demo.example',
    event: { ...event, ...changes },
    conference,
    change: 'updated',
    timeZone,
    now,
  });

describe('calendarEventStreamId', () => {
  it('is calendarEvent-<userId>.<eventId>, instances included', () => {
    expect(calendarEventStreamId(owner.userId, 'abc123')).toBe(`calendarEvent-${owner.userId}.abc123`);
    const instance = calendarEventStreamId(owner.userId, 'abc123_20270104T090000Z');
    expect(instance).toBe(`calendarEvent-${owner.userId}.abc123_20270104T090000Z`);
    expect(streamIdPattern('calendarEvent').test(instance)).toBe(true);
  });

  it('hashes an event id too long for a stream name, deterministically', () => {
    const longId = 'a'.repeat(1_000);
    const streamId = calendarEventStreamId(owner.userId, longId);
    expect(streamId).toMatch(/^calendarEvent-100000000000000000001\.sha256:[0-9a-f]{64}$/);
    expect(calendarEventStreamId(owner.userId, longId)).toBe(streamId);
    expect(calendarEventStreamId(owner.userId, `${longId}b`)).not.toBe(streamId);
  });
});

describe('liveEventData', () => {
  it('maps a Google event onto a valid CalendarEventChanged', () => {
    const data = map();
    expect(data).toEqual({
      change: 'updated',
      userId: owner.userId,
      calendarId: 'alice@demo.example',
      eventId: 'abc123def456',
      iCalUID: 'abc123def456@google.com',
      organizedByUser: true,
      title: 'Planning',
      start: '2027-01-04T09:00:00.000Z',
      end: '2027-01-04T09:30:00.000Z',
      timeZone: 'Europe/Berlin',
      // rooms and invalid emails left out, one entry per email, sorted
      attendees: [{ email: 'bob@demo.example' }, { email: 'carol@demo.example', displayName: 'Carol' }],
      organizerEmail: 'alice@demo.example',
      conference,
      updatedAt: '2026-11-25T10:00:00.000Z',
    });
    expect(() =>
      createEvent(CalendarEventChanged, {
        streamId: calendarEventStreamId(owner.userId, 'abc123def456'),
        tenantId: 'demo.example',
        data,
      }),
    ).not.toThrow();
  });

  it('says whether the watching user organises the event, from the organiser’s email alone', () => {
    expect(map().organizedByUser).toBe(true);
    expect(map({ organizer: { email: 'bob@demo.example' } }).organizedByUser).toBe(false);
    // Google sets `self` relative to the calendar being read, not to the user reading it: a
    // delegate reading Bob's calendar, or a team calendar, sees its organiser marked `self`.
    expect(map({ organizer: { email: 'bob@demo.example', self: true } }).organizedByUser).toBe(false);
    expect(map({ organizer: { email: 'team@group.calendar.google.com', self: true } }).organizedByUser).toBe(
      false,
    );
    expect(map({ organizer: { self: true } }).organizedByUser).toBe(false);
  });

  it('puts an all-day event at midnight in its time zone', () => {
    const data = map({ start: { date: '2027-07-01' }, end: { date: '2027-07-02' } }, 'Europe/Berlin');
    expect(data).toMatchObject({ start: '2027-06-30T22:00:00.000Z', end: '2027-07-01T22:00:00.000Z' });
    const winter = map({ start: { date: '2027-01-04' }, end: { date: '2027-01-05' } }, 'America/New_York');
    expect(winter).toMatchObject({ start: '2027-01-04T05:00:00.000Z', end: '2027-01-05T05:00:00.000Z' });
  });

  it('trims a title longer than the contract allows', () => {
    expect((map({ summary: 'x'.repeat(2_000) }) as { title: string }).title).toHaveLength(1_024);
  });
});

describe('stateDigest', () => {
  const salt = Buffer.from('0123456789abcdef');

  it('ignores the change kind, Google’s updated stamp and how the same instant is written', () => {
    const base = stateDigest(map(), salt);
    expect(stateDigest({ ...map(), change: 'created' } as never, salt)).toBe(base);
    expect(stateDigest(map({ updated: '2026-11-26T11:00:00Z' }), salt)).toBe(base);
    expect(
      stateDigest(
        map({
          start: { dateTime: '2027-01-04T09:00:00Z', timeZone: 'Europe/Berlin' },
          end: { dateTime: '2027-01-04T09:30:00Z', timeZone: 'Europe/Berlin' },
        }),
        salt,
      ),
    ).toBe(base);
  });

  it.each([
    ['the title', { summary: 'Planning (moved)' }],
    ['the start', { start: { dateTime: '2027-01-04T11:00:00+01:00', timeZone: 'Europe/Berlin' } }],
    ['the attendees', { attendees: [{ email: 'dave@demo.example' }] }],
    ['the organizer', { organizer: { email: 'bob@demo.example' } }],
  ])('changes with %s', (_name, change) => {
    expect(stateDigest(map(change as Partial<CalendarEvent>), salt)).not.toBe(stateDigest(map(), salt));
  });

  it('depends on the salt, so equal states of two events do not share a digest', () => {
    expect(stateDigest(map(), salt)).not.toBe(stateDigest(map(), Buffer.from('another salt 123')));
  });
});

describe('recurring events', () => {
  it('a series carries its rule lines, and a changed rule is a changed state', () => {
    const series = map({ recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6', ' '] });
    expect(series.recurrence).toEqual(['RRULE:FREQ=WEEKLY;COUNT=6']);
    expect(series).not.toHaveProperty('recurringEventId');
    const salt = Buffer.alloc(16);
    expect(stateDigest(series, salt)).not.toBe(
      stateDigest(map({ recurrence: ['RRULE:FREQ=WEEKLY;UNTIL=20270201T000000Z'] }), salt),
    );
  });

  it('an occurrence names its series and its original start as an instant', () => {
    const occurrence = map({
      id: 'abc123def456_20270111T090000Z',
      recurringEventId: 'abc123def456',
      originalStartTime: { dateTime: '2027-01-11T10:00:00+01:00', timeZone: 'Europe/Berlin' },
    });
    expect(occurrence).toMatchObject({
      recurringEventId: 'abc123def456',
      originalStartTime: '2027-01-11T09:00:00.000Z',
    });
    expect(() =>
      createEvent(CalendarEventChanged, {
        streamId: calendarEventStreamId(owner.userId, occurrence.eventId),
        tenantId: 'demo.example',
        correlationId: newUuidV7(),
        data: occurrence,
      }),
    ).not.toThrow();
  });

  it('leaves the digest of an event that is not recurring as it was', () => {
    // The state digest of existing rows must not change: no new keys for plain events.
    const salt = Buffer.alloc(16);
    expect(stateDigest(map(), salt)).toBe(stateDigest(map({ recurrence: [] }), salt));
  });
});
