import { describe, expect, it } from '@jest/globals';
import {
  MeetingEnded,
  MeetingRequested,
  MeetingScheduled,
  createEvent,
  type DataOf,
  type EventContract,
  type EventEnvelope,
} from '@scheduler/contracts';
import { DeciderSpecification } from '@scheduler/testing';
import {
  foldMeeting,
  meetingDecider,
  type CommandOrigin,
  type MeetingCommandBody,
  type MeetingFact,
  type MeetingStreamEvent,
} from '../meetings/meeting.decider.js';

// The fact Webex's `ended` notification records on the meeting stream: the real end.

const tenantId = 'example.com';
const meetingId = '019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
const streamId = `meeting-${meetingId}`;
const webexMeetingId = '0123456789abcdef0123456789ab0402';

const event = (contract: EventContract, data: unknown): EventEnvelope =>
  createEvent(contract, { streamId, tenantId, data: data as never });
const requested = () =>
  event(MeetingRequested, {
    meetingId,
    userId: '108234567890123456789',
    source: 'calendar',
    calendarId: 'ada@example.com',
    eventId: '7kvu0ab5cd6ef7gh8ij9kl0mn1',
    title: 'Design review',
    start: '2026-12-01T09:00:00Z',
    end: '2026-12-01T09:30:00Z',
    timeZone: 'Europe/Berlin',
    invitees: [],
  } satisfies DataOf<typeof MeetingRequested>);
const scheduled = () =>
  event(MeetingScheduled, {
    meetingId,
    webexMeetingId,
    meetingNumber: '2581234567',
    siteUrl: 'acme.webex.com',
    webLink: 'https://acme.webex.com/acme/j.php?MTID=m0123',
  });

const scheduledEnd = { meetingId, endedAt: '2026-12-01T09:30:00Z', source: 'scheduled-end' as const };
const realEnd = { meetingId, endedAt: '2026-12-01T09:47:12Z', source: 'webex-webhook' as const };
const ended = (ending: DataOf<typeof MeetingEnded>) => event(MeetingEnded, ending);

const origin: CommandOrigin = {
  tenantId,
  correlationId: 'webex-webhook-1',
  causationId: null,
  traceparent: null,
  occurredAt: new Date('2026-11-30T08:00:00Z'),
};
const command = (body: MeetingCommandBody) => ({ ...body, origin });
const given = DeciderSpecification.for(meetingDecider);
const facts = (expected: MeetingFact[]) => (events: readonly MeetingStreamEvent[]) =>
  expect(events.map(({ type, data }) => ({ type, data }))).toEqual(expected);

describe('the real end (MeetingEnded source webex-webhook)', () => {
  it('is recorded once', () => {
    given([requested(), scheduled()])
      .when(command({ type: 'EndMeeting', ending: realEnd }))
      .thenEvents(facts([{ type: 'MeetingEnded', data: realEnd }]));
    given([requested(), scheduled(), ended(realEnd)])
      .when(command({ type: 'EndMeeting', ending: { ...realEnd, endedAt: '2026-12-01T10:00:00Z' } }))
      .thenNothingHappened();
  });

  it('is recorded after the scheduled end (the meeting ran over), never the other way round', () => {
    given([requested(), scheduled(), ended(scheduledEnd)])
      .when(command({ type: 'EndMeeting', ending: realEnd }))
      .thenEvents(facts([{ type: 'MeetingEnded', data: realEnd }]));
    given([requested(), scheduled(), ended(realEnd)])
      .when(command({ type: 'EndMeeting', ending: scheduledEnd }))
      .thenNothingHappened();
    expect(foldMeeting([requested(), scheduled(), ended(realEnd)])).toMatchObject({
      status: 'ended',
      endRecorded: true,
      realEndRecorded: true,
    });
  });
});
