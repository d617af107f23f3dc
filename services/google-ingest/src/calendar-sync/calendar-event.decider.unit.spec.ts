import { describe, it } from '@jest/globals';
import { CalendarEventChanged, createEvent, newUuidV7 } from '@scheduler/contracts';
import { REDACTED_FORGOTTEN } from '@scheduler/crypto-shredding';
import { DeciderSpecification } from '@scheduler/testing';
import { calendarEventDecider } from './calendar-event.decider.js';
import { type CalendarEventChangedData, calendarEventStreamId } from './event-mapping.js';

const userId = '100000000000000000001';
const eventId = 'abc123def456';
const streamId = calendarEventStreamId(userId, eventId);
const conference = { meetingId: newUuidV7(), conferenceId: '2551234567' };
const live: CalendarEventChangedData = {
  change: 'created',
  userId,
  calendarId: 'alice@demo.example',
  eventId,
  iCalUID: `${eventId}@google.com`,
  organizedByUser: true,
  title: 'Planning',
  start: '2027-01-04T09:00:00.000Z',
  end: '2027-01-04T09:30:00.000Z',
  timeZone: 'Europe/Berlin',
  attendees: [{ email: 'bob@demo.example' }],
  organizerEmail: 'alice@demo.example',
  conference,
  updatedAt: '2026-11-25T10:00:00.000Z',
};
const cancelled: CalendarEventChangedData = {
  change: 'cancelled',
  userId,
  calendarId: 'alice@demo.example',
  eventId,
  conference,
};
const changed = (data: CalendarEventChangedData) =>
  createEvent(CalendarEventChanged, { streamId, tenantId: 'demo.example', data });

const given = DeciderSpecification.for(calendarEventDecider);

describe('a calendar event stream', () => {
  it('records the first change it is told', () => {
    const change = changed(live);
    given([]).when({ change }).then([change]);
  });

  it('records nothing when the change says what the last one says, whatever its kind and Google stamp', () => {
    given([changed(live)])
      .when({ change: changed({ ...live, change: 'updated', updatedAt: '2026-11-26T10:00:00.000Z' }) })
      .thenNothingHappened();
    // Organizer emails compare case-insensitively.
    given([changed(live)])
      .when({ change: changed({ ...live, organizerEmail: 'Alice@Demo.Example' }) })
      .thenNothingHappened();
    given([changed(live), changed(cancelled)])
      .when({ change: changed(cancelled) })
      .thenNothingHappened();
  });

  it('records a change that differs from the last one, even if an earlier one said the same', () => {
    const renamed = changed({ ...live, change: 'updated', title: 'Planning (moved)' });
    given([changed(live)])
      .when({ change: renamed })
      .then([renamed]);
    const back = changed({ ...live, change: 'updated' });
    given([changed(live), renamed])
      .when({ change: back })
      .then([back]);
    const gone = changed(cancelled);
    given([changed(live)])
      .when({ change: gone })
      .then([gone]);
  });

  it('a cancellation of another meeting is a change', () => {
    const other = changed({ ...cancelled, conference: { ...conference, meetingId: newUuidV7() } });
    given([changed(cancelled)])
      .when({ change: other })
      .then([other]);
  });

  it('records again over a last change whose personal data was forgotten', () => {
    const forgotten = {
      ...changed(live),
      data: { ...live, title: REDACTED_FORGOTTEN, organizerEmail: REDACTED_FORGOTTEN },
    };
    const change = changed({ ...live, change: 'updated' });
    given([forgotten]).when({ change }).then([change]);
  });
});
