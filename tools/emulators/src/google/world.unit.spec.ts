import { describe, expect, it } from '@jest/globals';
import { EmulatorClock } from '../core/clock.js';
import { GoogleHttpError } from './errors.js';
import { parseRecurrence, seriesStarts } from './recurrence.js';
import { GoogleWorld, type ListQuery } from './world.js';

const owner = 'alice@demo.example';
const query = (extra: Partial<ListQuery> = {}): ListQuery => ({
  showDeleted: false,
  singleEvents: false,
  maxResults: 2,
  ...extra,
});

function worldWithEvents(count: number) {
  const world = new GoogleWorld(new EmulatorClock());
  world.addUser({ email: owner });
  const calendar = world.calendarById(owner);
  const ids = [];
  for (let index = 0; index < count; index++)
    ids.push(
      world.insertEvent(
        calendar,
        {
          summary: `E${index}`,
          start: { dateTime: '2027-01-01T09:00:00Z' },
          end: { dateTime: '2027-01-01T10:00:00Z' },
        },
        owner,
        false,
      ).id!,
    );
  return { world, calendar, ids };
}

describe('GoogleWorld listing', () => {
  it('pages a full sync from a snapshot: changes made while paging are neither skipped nor duplicated', () => {
    const { world, calendar, ids } = worldWithEvents(5);
    const first = world.listEvents(calendar, query());
    expect(first.items.map((event) => event.id)).toEqual(ids.slice(0, 2));
    // An event already returned and one not yet returned change between pages.
    world.changeEvent(calendar, ids[0]!, { summary: 'changed' }, 'patch', false);
    world.changeEvent(calendar, ids[3]!, { summary: 'changed' }, 'patch', false);
    const seen = [...first.items];
    let page = first;
    while (page.nextPageToken) {
      page = world.listEvents(calendar, query({ pageToken: page.nextPageToken }));
      seen.push(...page.items);
    }
    expect(seen.map((event) => event.id).sort()).toEqual([ids[0], ids[1], ids[2], ids[4]].sort());
    const next = world.listEvents(calendar, query({ syncToken: page.nextSyncToken!, maxResults: 10 }));
    expect(next.items.map((event) => event.id).sort()).toEqual([ids[0], ids[3]].sort());
  });

  it('answers 410 for an invalidated token and 400 for a foreign or malformed one', () => {
    const { world, calendar } = worldWithEvents(1);
    const token = world.listEvents(calendar, query()).nextSyncToken!;
    world.addUser({ email: 'bob@demo.example' });
    const other = world.calendarById('bob@demo.example');
    expect(() => world.listEvents(other, query({ syncToken: token }))).toThrow(
      expect.objectContaining({ status: 400 }),
    );
    expect(() => world.listEvents(calendar, query({ syncToken: 'not-a-token' }))).toThrow(
      expect.objectContaining({ status: 400 }),
    );
    world.invalidateSyncTokens(owner);
    expect(() => world.listEvents(calendar, query({ syncToken: token }))).toThrow(
      expect.objectContaining({ status: 410, reason: 'fullSyncRequired' }),
    );
  });

  it('duplicates an event with a new id and iCalUID but the original conference data', () => {
    const { world, calendar } = worldWithEvents(0);
    const original = world.insertEvent(
      calendar,
      {
        summary: 'With conference',
        start: { dateTime: '2027-01-01T09:00:00Z', timeZone: 'Europe/Berlin' },
        end: { dateTime: '2027-01-01T09:45:00Z', timeZone: 'Europe/Berlin' },
        conferenceData: {
          conferenceSolution: { key: { type: 'addOn' } },
          conferenceId: 'c1',
          entryPoints: [{ entryPointType: 'video', uri: 'https://x.example' }],
        },
      },
      owner,
      true,
    );
    const copy = world.duplicateEvent(calendar, original.id!, '2027-01-08T09:00:00Z');
    expect(copy.id).not.toBe(original.id);
    expect(copy.iCalUID).not.toBe(original.iCalUID);
    expect(copy.start).toEqual({ dateTime: '2027-01-08T09:00:00.000Z', timeZone: 'Europe/Berlin' });
    expect(copy.end).toEqual({ dateTime: '2027-01-08T09:45:00.000Z', timeZone: 'Europe/Berlin' });
    expect(copy.conferenceData).toEqual(original.conferenceData);
  });
});

describe('recurrence', () => {
  const start = Date.parse('2027-01-01T09:00:00Z');
  const utc = { firstStartMs: start, timeZone: 'UTC', allDay: false };
  const days = (lines: string[], anchor = utc) =>
    seriesStarts(parseRecurrence(lines, anchor)!).map((ms) => new Date(ms).toISOString().slice(0, 10));

  it('expands DAILY with INTERVAL and UNTIL, and WEEKLY with COUNT', () => {
    expect(days(['RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20270107T090000Z'])).toEqual([
      '2027-01-01',
      '2027-01-03',
      '2027-01-05',
      '2027-01-07',
    ]);
    expect(days(['RRULE:FREQ=WEEKLY;COUNT=3'])).toHaveLength(3);
    expect(parseRecurrence(['EXDATE:20270101'], utc)).toBeUndefined();
  });

  it('expands BYDAY (ordinal too), BYMONTHDAY, BYMONTH and BYSETPOS; EXDATE takes out, RDATE adds', () => {
    expect(days(['RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4'])).toEqual([
      '2027-01-04',
      '2027-01-06',
      '2027-01-11',
      '2027-01-13',
    ]);
    expect(days(['RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=3'])).toEqual([
      '2027-01-12',
      '2027-02-09',
      '2027-03-09',
    ]);
    expect(days(['RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=2'])).toEqual([
      '2027-01-29',
      '2027-02-26',
    ]);
    expect(days(['RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15;COUNT=2'])).toEqual(['2027-03-15', '2028-03-15']);
    expect(
      days([
        'RRULE:FREQ=DAILY;COUNT=3',
        'EXDATE:20270102T090000Z',
        'RDATE;TZID=Europe/Berlin:20270110T100000',
      ]),
    ).toEqual(['2027-01-01', '2027-01-03', '2027-01-10']);
  });

  it('repeats at the same wall time in the series zone across a DST change', () => {
    const berlin = {
      firstStartMs: Date.parse('2027-03-22T08:00:00Z'),
      timeZone: 'Europe/Berlin',
      allDay: false,
    };
    const starts = seriesStarts(parseRecurrence(['RRULE:FREQ=WEEKLY;COUNT=2'], berlin)!);
    expect(starts.map((ms) => new Date(ms).toISOString())).toEqual([
      '2027-03-22T08:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
    ]);
  });

  it('rejects lines and rule parts it cannot expand faithfully', () => {
    expect(() => parseRecurrence(['RRULE:FREQ=HOURLY'], utc)).toThrow(GoogleHttpError);
    expect(() => parseRecurrence(['RRULE:FREQ=WEEKLY;WKST=MO'], utc)).toThrow(/WKST/);
    expect(() => parseRecurrence(['RRULE:FREQ=YEARLY;BYWEEKNO=3'], utc)).toThrow(/BYWEEKNO/);
    expect(() => parseRecurrence(['EXRULE:FREQ=DAILY'], utc)).toThrow(/EXRULE/);
    expect(() => parseRecurrence(['RRULE:FREQ=DAILY;COUNT=0'], utc)).toThrow(GoogleHttpError);
    expect(() => parseRecurrence(['RRULE:FREQ=DAILY', 'EXDATE:2027-01-02'], utc)).toThrow(GoogleHttpError);
  });
});
