import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newUuidV7 } from '@scheduler/contracts';
import { GoogleAccountUnavailableError } from '../google-accounts/errors.js';
import {
  codeVerifier,
  type GoogleIngestFixture,
  redirectUri,
  startGoogleIngestFixture,
  tenantId,
} from '../../test/google-ingest.fixture.js';
import { buildOurConferenceData } from '../calendar-sync/conference.js';
import { CalendarEventReader } from './calendar-event-reader.js';

const alice = 'alice@demo.example';
const bob = 'bob@demo.example';

let fixture: GoogleIngestFixture;
let reader: CalendarEventReader;
let aliceId: string;

const calendarPath = (email: string) => `/google/calendars/${encodeURIComponent(email)}`;
const createEvent = async (email: string, body: Record<string, unknown>) =>
  (await fixture.control(`${calendarPath(email)}/events`, body))!.id as string;

beforeAll(async () => {
  fixture = await startGoogleIngestFixture('calendar_events', [
    { email: alice, name: 'Alice Example', timeZone: 'Europe/Berlin' },
    { email: bob, name: 'Bob Example' },
  ]);
  aliceId = fixture.users[alice]!.sub;
  await fixture.connector.handle({
    tenantId,
    code: await fixture.authorize(alice),
    redirectUri,
    codeVerifier,
    correlationId: 'corr-reader',
  });
  reader = new CalendarEventReader({ tokens: fixture.tokens, clock: () => fixture.emulator.clock.now() });
});

afterAll(async () => {
  await fixture?.close();
});

describe('CalendarEventReader', () => {
  it('reads title, UTC times, the event time zone and the attendees as invitees (organizer left out, one per email, lower-cased)', async () => {
    const eventId = await createEvent(alice, {
      summary: 'Quarterly planning',
      start: { dateTime: '2027-03-01T09:00:00-05:00', timeZone: 'America/New_York' },
      end: { dateTime: '2027-03-01T10:00:00-05:00', timeZone: 'America/New_York' },
      attendees: [
        { email: 'Grace@Example.com', displayName: 'Grace Hopper' },
        { email: alice, organizer: true },
        { email: 'alan@example.org' },
        { email: 'grace@example.com' },
      ],
    });
    const read = await reader.read({ userId: aliceId, calendarId: alice, eventId });
    expect(read).toEqual({
      outcome: 'found',
      event: {
        calendarId: alice,
        eventId,
        iCalUID: `${eventId}@google.com`,
        title: 'Quarterly planning',
        start: '2027-03-01T14:00:00.000Z',
        end: '2027-03-01T15:00:00.000Z',
        timeZone: 'America/New_York',
        invitees: [
          { email: 'alan@example.org' },
          { email: 'grace@example.com', displayName: 'Grace Hopper' },
        ],
        organizerEmail: alice,
        organizedByUser: true,
      },
    });
  });

  it('takes the calendar time zone for an all-day event, whose day starts at midnight there', async () => {
    const eventId = await createEvent(alice, {
      summary: 'Offsite',
      start: { date: '2027-07-01' },
      end: { date: '2027-07-02' },
    });
    const read = await reader.read({ userId: aliceId, calendarId: alice, eventId });
    expect(read).toMatchObject({
      outcome: 'found',
      event: {
        start: '2027-06-30T22:00:00.000Z',
        end: '2027-07-01T22:00:00.000Z',
        timeZone: 'Europe/Berlin',
      },
    });
  });

  it('names our conference when the event carries one', async () => {
    const meetingId = newUuidV7();
    const eventId = await createEvent(alice, {
      summary: 'Ours',
      start: { dateTime: '2027-03-02T09:00:00Z' },
      end: { dateTime: '2027-03-02T09:30:00Z' },
      conferenceData: buildOurConferenceData({
        meetingId,
        meetingNumber: '2551234567',
        joinUrl: 'https://acme.webex.com/acme/j.php?MTID=m1',
        siteUrl: 'acme.webex.com',
      }),
    });
    const read = await reader.read({ userId: aliceId, calendarId: alice, eventId });
    expect(read).toMatchObject({ event: { conference: { meetingId, conferenceId: '2551234567' } } });
  });

  it('answers EventNotFound for a deleted event, an unknown id, an id Google could not issue and a calendar the user cannot read', async () => {
    const deleted = await createEvent(alice, {
      summary: 'Gone',
      start: { dateTime: '2027-03-03T09:00:00Z' },
      end: { dateTime: '2027-03-03T09:30:00Z' },
    });
    await fixture.control(`${calendarPath(alice)}/events/${deleted}`, undefined, 'DELETE');
    expect(await reader.read({ userId: aliceId, calendarId: alice, eventId: deleted })).toEqual({
      outcome: 'not-found',
      calendarId: alice,
      eventId: deleted,
      reason: 'cancelled',
    });
    expect(
      await reader.read({ userId: aliceId, calendarId: alice, eventId: 'abcdef0123456789' }),
    ).toMatchObject({
      outcome: 'not-found',
      reason: 'unknown',
    });
    expect(await reader.read({ userId: aliceId, calendarId: alice, eventId: '../../etc' })).toMatchObject({
      outcome: 'not-found',
      reason: 'unknown',
    });
    const bobs = await createEvent(bob, {
      summary: 'Private',
      start: { dateTime: '2027-03-03T09:00:00Z' },
      end: { dateTime: '2027-03-03T09:30:00Z' },
    });
    expect(await reader.read({ userId: aliceId, calendarId: bob, eventId: bobs })).toMatchObject({
      outcome: 'not-found',
      reason: 'unknown',
    });
  });

  it('refuses a user without a connected account', async () => {
    await expect(
      reader.read({ userId: fixture.users[bob]!.sub, calendarId: bob, eventId: 'abcdef0123456789' }),
    ).rejects.toEqual(new GoogleAccountUnavailableError(fixture.users[bob]!.sub, 'not-connected'));
  });

  it('`primary` and the owner’s email are one calendar: every form is answered with the email', async () => {
    const eventId = await createEvent(alice, {
      summary: 'One calendar',
      start: { dateTime: '2027-03-04T09:00:00Z' },
      end: { dateTime: '2027-03-04T09:30:00Z' },
    });
    const byEmail = await reader.read({ userId: aliceId, calendarId: alice, eventId });
    expect(byEmail).toMatchObject({ outcome: 'found', event: { calendarId: alice, eventId } });
    expect(await reader.read({ userId: aliceId, calendarId: 'primary', eventId })).toEqual(byEmail);
    expect(await reader.read({ userId: aliceId, calendarId: 'Alice@Demo.Example', eventId })).toEqual(
      byEmail,
    );
    expect(
      await reader.read({ userId: aliceId, calendarId: 'primary', eventId: 'abcdef0123456789' }),
    ).toEqual({
      outcome: 'not-found',
      calendarId: alice,
      eventId: 'abcdef0123456789',
      reason: 'unknown',
    });
  });

  it('a delegate reading the owner’s calendar is not the organiser, though Google marks the organiser `self` there', async () => {
    const bobId = fixture.users[bob]!.sub;
    await fixture.connector.handle({
      tenantId,
      code: await fixture.authorize(bob),
      redirectUri,
      codeVerifier,
      correlationId: 'corr-reader-bob',
    });
    await fixture.control(`${calendarPath(alice)}/share`, { email: bob, role: 'writer' });
    const eventId = await createEvent(alice, {
      summary: 'Alice’s review',
      start: { dateTime: '2027-03-05T09:00:00Z' },
      end: { dateTime: '2027-03-05T09:30:00Z' },
      attendees: [{ email: alice }, { email: bob }],
    });
    // What Google answers the delegate: the organiser is `self`, because the calendar read is hers.
    const bobAccount = await fixture.tokens.accountFor(bobId);
    expect((await bobAccount!.calendar.getEvent(alice, eventId)).organizer).toMatchObject({
      email: alice,
      self: true,
    });
    expect(await reader.read({ userId: bobId, calendarId: alice, eventId })).toMatchObject({
      outcome: 'found',
      event: { calendarId: alice, organizerEmail: alice, organizedByUser: false },
    });
    expect(await reader.read({ userId: aliceId, calendarId: 'primary', eventId })).toMatchObject({
      outcome: 'found',
      event: { calendarId: alice, organizerEmail: alice, organizedByUser: true },
    });
  });
});
