import { describe, expect, it } from '@jest/globals';
import {
  CalendarEventChanged,
  ConferenceAttached,
  MeetingCancellationRequested,
  MeetingCancelled,
  MeetingChangeRequested,
  MeetingDataPurged,
  MeetingEnded,
  MeetingRequested,
  MeetingScheduled,
  MeetingSchedulingFailed,
  MeetingSyncDeferred,
  MeetingUpdated,
  MeetingReconnectRequired,
  MeetingDriftDetected,
  MeetingRetryRequested,
  MeetingOccurrenceApplied,
  MeetingOccurrenceChangeRequested,
  createEvent,
  newUuidV7,
  type DataOf,
  type EventEnvelope,
} from '@scheduler/contracts';
import { REDACTED_FORGOTTEN, REDACTED_TAMPERED } from '@scheduler/crypto-shredding';
import { DeciderSpecification } from '@scheduler/testing';
import type { Meeting as WebexMeeting } from '@scheduler/webex';
import { copyMeetingId, desiredStateFields, type LiveCalendarChange } from './desired-state.js';
import { MeetingCommandRejectedError, MeetingGoneError } from './errors.js';
import {
  decide,
  evolve,
  foldMeeting,
  meetingDecider,
  tombstonedMeetingState,
  type CommandOrigin,
  type MeetingCommand,
  type MeetingCommandBody,
  type MeetingFact,
  type MeetingState,
  type MeetingStreamEvent,
} from './meeting.decider.js';
import { nextStep, planReconcile, type Trigger } from './next-step.js';

const tenantId = 'example.com';
const meetingId = '019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
const streamId = `meeting-${meetingId}`;
const userId = '108234567890123456789';
const calendarId = 'ada@example.com';
const eventId = '7kvu0ab5cd6ef7gh8ij9kl0mn1';
const webexMeetingId = '0123456789abcdef0123456789ab0402';
const now = new Date('2026-11-30T08:00:00Z');

const requestedData: DataOf<typeof MeetingRequested> = {
  meetingId,
  userId,
  source: 'calendar',
  calendarId,
  eventId,
  title: 'Design review',
  start: '2026-12-01T09:00:00Z',
  end: '2026-12-01T09:30:00Z',
  timeZone: 'Europe/Berlin',
  invitees: [{ email: 'grace@example.com', displayName: 'Grace' }, { email: 'alan@example.org' }],
};

const envelope = (type: string, data: unknown, causationId?: string): EventEnvelope => {
  const contracts = {
    MeetingRequested,
    MeetingScheduled,
    MeetingUpdated,
    MeetingCancelled,
    MeetingSchedulingFailed,
    ConferenceAttached,
    MeetingEnded,
    MeetingDataPurged,
    MeetingChangeRequested,
    MeetingCancellationRequested,
    MeetingSyncDeferred,
    MeetingReconnectRequired,
    MeetingDriftDetected,
    MeetingRetryRequested,
    MeetingOccurrenceChangeRequested,
    MeetingOccurrenceApplied,
  } as unknown as Record<string, typeof MeetingRequested>;
  return createEvent(contracts[type]!, {
    streamId,
    tenantId,
    data: data as never,
    ...(causationId ? { cause: { id: causationId, correlationId: causationId, traceparent: null } } : {}),
  });
};

const requested = (data: Partial<DataOf<typeof MeetingRequested>> = {}) =>
  envelope('MeetingRequested', { ...requestedData, ...data });
const scheduled = () =>
  envelope('MeetingScheduled', {
    meetingId,
    webexMeetingId,
    meetingNumber: '2581234567',
    siteUrl: 'acme.webex.com',
    webLink: 'https://acme.webex.com/acme/j.php?MTID=m0123',
  });

const webexMeeting = (overrides: Partial<WebexMeeting> = {}): WebexMeeting => ({
  id: webexMeetingId,
  meetingNumber: '2581234567',
  title: 'Design review',
  password: 'Ab3dEf7h',
  meetingType: 'meetingSeries',
  state: 'active',
  timezone: 'Europe/Berlin',
  start: '2026-12-01T10:00:00+01:00',
  end: '2026-12-01T10:30:00+01:00',
  hostEmail: 'ada@example.com',
  siteUrl: 'acme.webex.com',
  webLink: 'https://acme.webex.com/acme/j.php?MTID=m0123',
  sipAddress: '2581234567@acme.webex.com',
  telephony: {
    accessCode: '2581234567',
    callInNumbers: [
      { label: 'US Toll', callInNumber: '+1-415-527-5035', tollType: 'toll' },
      { label: 'Odd', callInNumber: '+1-000', tollType: 'premium' },
    ],
  },
  integrationTags: [meetingId],
  ...overrides,
});

/** given(events).when(command).then…: the decider's specification, Emmett style. */
const given = DeciderSpecification.for(meetingDecider);

const origin: CommandOrigin = {
  tenantId,
  correlationId: 'corr-1',
  causationId: '019ac0a0-0000-7000-8000-00000000c0de',
  traceparent: null,
  occurredAt: now,
};
const command = (body: MeetingCommandBody): MeetingCommand => ({ ...body, origin });

/** Checks what the decided events state; their envelopes carry the origin (tested on their own). */
const facts = (expected: MeetingFact[]) => (events: readonly MeetingStreamEvent[]) =>
  expect(events.map(({ type, data }) => ({ type, data }))).toEqual(expected);

const rejected = (reason: RegExp) => (error: MeetingCommandRejectedError) =>
  expect(error.message).toMatch(reason);

/** The meeting folded from its stream, for nextStep to plan on. */
const meetingOf = (...events: MeetingStreamEvent[]) => {
  const state = foldMeeting(events);
  return { state, plan: (trigger: Trigger, at = now) => nextStep(state, trigger, at) };
};

const change = (data: Partial<LiveCalendarChange> = {}): Trigger => ({
  kind: 'calendarChange',
  triggerId: newUuidV7(),
  tenantId,
  change: CalendarEventChanged.data.parse({
    change: 'updated',
    userId,
    calendarId,
    eventId,
    iCalUID: `${eventId}@google.com`,
    organizedByUser: true,
    title: 'Design review',
    start: '2026-12-01T09:00:00Z',
    end: '2026-12-01T09:30:00Z',
    timeZone: 'Europe/Berlin',
    attendees: [
      { email: 'ada@example.com' },
      { email: 'alan@example.org' },
      { email: 'grace@example.com', displayName: 'Grace' },
    ],
    organizerEmail: 'ada@example.com',
    conference: { meetingId, conferenceId: '2581234567' },
    updatedAt: '2026-11-30T07:00:00Z',
    ...data,
  }),
});

const cancelledChange = (overrides: { eventId?: string; calendarId?: string } = {}): Trigger => ({
  kind: 'calendarChange',
  triggerId: newUuidV7(),
  tenantId,
  change: {
    change: 'cancelled',
    userId,
    calendarId: overrides.calendarId ?? calendarId,
    eventId: overrides.eventId ?? eventId,
    conference: { meetingId, conferenceId: '2581234567' },
  },
});

const conferenceRemovedChange = (
  overrides: { eventId?: string; calendarId?: string; updatedAt?: string } = {},
): Trigger => ({
  kind: 'calendarChange',
  triggerId: newUuidV7(),
  tenantId,
  change: {
    change: 'conference-removed',
    userId,
    calendarId: overrides.calendarId ?? calendarId,
    eventId: overrides.eventId ?? eventId,
    conference: { meetingId, conferenceId: '2581234567' },
    updatedAt: overrides.updatedAt ?? '2026-11-30T07:00:00Z',
  },
});

describe('evolve', () => {
  it('starts a requested meeting from MeetingRequested, normalizing the desired state', () => {
    const state = foldMeeting([requested({ title: 'x'.repeat(128) })]);
    expect(state).toMatchObject({
      status: 'requested',
      meetingId,
      tenantId,
      userId,
      source: 'calendar',
      event: { calendarId, eventId },
    });
    expect(state.requested?.invitees.map((invitee) => invitee.email)).toEqual([
      'alan@example.org',
      'grace@example.com',
    ]);
  });

  it('a Gmail request has no calendar event until ConferenceAttached links one', () => {
    const gmail = requested({ source: 'gmail', eventId: undefined, gmailMessageId: 'm-1' });
    expect(foldMeeting([gmail]).event).toBeUndefined();
    const attached = envelope('ConferenceAttached', {
      meetingId,
      calendarId,
      eventId: 'newevent1',
      conferenceId: '2581234567',
    });
    expect(foldMeeting([gmail, attached]).event).toEqual({ calendarId, eventId: 'newevent1' });
  });

  it('MeetingScheduled applies the request; MeetingUpdated replaces what is applied', () => {
    const state = foldMeeting([requested(), scheduled()]);
    expect(state.status).toBe('scheduled');
    expect(state.webex?.webexMeetingId).toBe(webexMeetingId);
    expect(state.applied?.title).toBe('Design review');
    const updated = envelope('MeetingUpdated', {
      meetingId,
      webexMeetingId,
      title: 'Renamed',
      start: '2026-12-01T10:00:00Z',
      end: '2026-12-01T10:30:00Z',
      timeZone: 'Europe/Berlin',
      invitees: [],
      changed: ['title', 'time', 'invitees'],
    });
    expect(foldMeeting([requested(), scheduled(), updated]).applied).toEqual({
      title: 'Renamed',
      start: '2026-12-01T10:00:00Z',
      end: '2026-12-01T10:30:00Z',
      timeZone: 'Europe/Berlin',
      invitees: [],
    });
  });

  it('a failure before scheduling fails the meeting; after scheduling the meeting stays scheduled', () => {
    const failed = envelope('MeetingSchedulingFailed', {
      meetingId,
      reason: 'webex-rejected',
      message: 'no',
      retryable: false,
    });
    expect(foldMeeting([requested(), failed]).status).toBe('failed');
    const afterScheduled = foldMeeting([requested(), scheduled(), failed]);
    expect(afterScheduled.status).toBe('scheduled');
    expect(afterScheduled.lastFailure).toEqual({ reason: 'webex-rejected', retryable: false });
  });

  it('cancelled, ended and purged are final states', () => {
    const cancelled = envelope('MeetingCancelled', { meetingId, webexMeetingId, reason: 'event-deleted' });
    expect(foldMeeting([requested(), scheduled(), cancelled]).status).toBe('cancelled');
    const ended = envelope('MeetingEnded', {
      meetingId,
      endedAt: '2026-12-01T09:30:00Z',
      source: 'scheduled-end',
    });
    expect(foldMeeting([requested(), scheduled(), ended]).status).toBe('ended');
    const purged = envelope('MeetingDataPurged', {
      meetingId,
      purgedAt: '2026-12-01T09:30:00Z',
      retentionAfterEndSeconds: 0,
    });
    expect(foldMeeting([requested(), scheduled(), ended, purged]).status).toBe('purged');
  });

  it('remembers the causes of its events, so a redelivered trigger can find itself', () => {
    const cause = newUuidV7();
    const state = foldMeeting([requested(), envelope('MeetingScheduled', scheduled().data, cause)]);
    expect(state.handledCauses.has(cause)).toBe(true);
  });

  it('ignores event types it does not know', () => {
    const before = foldMeeting([requested()]);
    const foreign = { ...requested(), type: 'SomethingElse' } as EventEnvelope;
    expect(foldMeeting([requested(), foreign]).status).toBe(before.status);
  });
});

describe('decide', () => {
  describe('ScheduleFromWebex', () => {
    it('records what Webex created, dropping call-in numbers of unknown toll types', () =>
      given([requested()])
        .when(command({ type: 'ScheduleFromWebex', webexMeeting: webexMeeting() }))
        .thenEvents(
          facts([
            {
              type: 'MeetingScheduled',
              data: {
                meetingId,
                webexMeetingId,
                meetingNumber: '2581234567',
                siteUrl: 'acme.webex.com',
                webLink: 'https://acme.webex.com/acme/j.php?MTID=m0123',
                sipAddress: '2581234567@acme.webex.com',
                password: 'Ab3dEf7h',
                telephony: {
                  accessCode: '2581234567',
                  callInNumbers: [{ label: 'US Toll', callInNumber: '+1-415-527-5035', tollType: 'toll' }],
                },
              },
            },
          ]),
        ));

    it('refuses a Webex meeting tagged for another meeting', () =>
      given([requested()])
        .when(
          command({ type: 'ScheduleFromWebex', webexMeeting: webexMeeting({ integrationTags: ['other'] }) }),
        )
        .thenThrows(MeetingCommandRejectedError, rejected(/integrationTags/)));

    it('refuses a Webex meeting without a meeting number', () =>
      given([requested()])
        .when(
          command({ type: 'ScheduleFromWebex', webexMeeting: webexMeeting({ meetingNumber: undefined }) }),
        )
        .thenThrows(MeetingCommandRejectedError, rejected(/meeting number/)));

    it('refuses to schedule twice, or a meeting never requested', () => {
      given([requested(), scheduled()])
        .when(command({ type: 'ScheduleFromWebex', webexMeeting: webexMeeting() }))
        .thenThrows(MeetingCommandRejectedError, rejected(/only a requested meeting/));
      given([])
        .when(command({ type: 'ScheduleFromWebex', webexMeeting: webexMeeting() }))
        .thenThrows(MeetingCommandRejectedError, rejected(/only a requested meeting/));
    });
  });

  describe('ApplyDesiredState', () => {
    const desired = {
      title: 'Renamed',
      start: '2026-12-01T09:00:00Z',
      end: '2026-12-01T09:30:00Z',
      timeZone: 'Europe/Berlin',
      invitees: [{ email: 'alan@example.org' }, { email: 'grace@example.com', displayName: 'Grace' }],
    };

    it('records the whole desired state and what changed', () =>
      given([requested(), scheduled()])
        .when(command({ type: 'ApplyDesiredState', desired, webexResult: { id: webexMeetingId } }))
        .thenEvents(
          facts([
            { type: 'MeetingUpdated', data: { meetingId, webexMeetingId, ...desired, changed: ['title'] } },
          ]),
        ));

    it('records nothing when nothing differs', () =>
      given([requested(), scheduled()])
        .when(
          command({
            type: 'ApplyDesiredState',
            desired: { ...desired, title: 'Design review' },
            webexResult: { id: webexMeetingId },
          }),
        )
        .thenNothingHappened());

    it('records an invitee-only change without a Webex answer', () =>
      given([requested(), scheduled()])
        .when(
          command({
            type: 'ApplyDesiredState',
            desired: { ...desired, title: 'Design review', invitees: [{ email: 'new@example.com' }] },
          }),
        )
        .thenEvents(
          facts([
            {
              type: 'MeetingUpdated',
              data: {
                meetingId,
                webexMeetingId,
                ...desired,
                title: 'Design review',
                invitees: [{ email: 'new@example.com' }],
                changed: ['invitees'],
              },
            },
          ]),
        ));

    it('refuses a title change Webex did not confirm, or confirmed for another meeting', () => {
      given([requested(), scheduled()])
        .when(command({ type: 'ApplyDesiredState', desired }))
        .thenThrows(MeetingCommandRejectedError, rejected(/needs the Webex answer/));
      given([requested(), scheduled()])
        .when(command({ type: 'ApplyDesiredState', desired, webexResult: { id: 'other' } }))
        .thenThrows(MeetingCommandRejectedError, rejected(/answered for meeting other/));
    });

    it('refuses to update a meeting that is not scheduled', () =>
      given([requested()])
        .when(command({ type: 'ApplyDesiredState', desired, webexResult: { id: webexMeetingId } }))
        .thenThrows(MeetingCommandRejectedError, rejected(/only a scheduled meeting/)));
  });

  describe('RecordDeleted', () => {
    it('cancels with the Webex meeting id', () =>
      given([requested(), scheduled()])
        .when(command({ type: 'RecordDeleted', reason: 'event-deleted' }))
        .thenEvents(
          facts([{ type: 'MeetingCancelled', data: { meetingId, webexMeetingId, reason: 'event-deleted' } }]),
        ));

    it('is idempotent once cancelled', () =>
      given([
        requested(),
        scheduled(),
        envelope('MeetingCancelled', { meetingId, webexMeetingId, reason: 'event-deleted' }),
      ])
        .when(command({ type: 'RecordDeleted', reason: 'event-deleted' }))
        .thenNothingHappened());

    it('refuses a meeting that does not exist', () =>
      given([])
        .when(command({ type: 'RecordDeleted', reason: 'event-deleted' }))
        .thenThrows(MeetingCommandRejectedError, rejected(/new meeting cannot be cancelled/)));
  });

  describe('RecordFailure', () => {
    it('records the reason, the tracking id and whether a retry can help', () =>
      given([requested()])
        .when(
          command({
            type: 'RecordFailure',
            reason: 'webex-rejected',
            message: 'm'.repeat(2000),
            retryable: false,
            webexTrackingId: 'ROUTER_1',
          }),
        )
        .thenEvents(
          facts([
            {
              type: 'MeetingSchedulingFailed',
              data: {
                meetingId,
                reason: 'webex-rejected',
                message: 'm'.repeat(1024),
                retryable: false,
                webexTrackingId: 'ROUTER_1',
              },
            },
          ]),
        ));

    it('refuses to fail a cancelled meeting', () =>
      given([
        requested(),
        scheduled(),
        envelope('MeetingCancelled', { meetingId, webexMeetingId, reason: 'event-deleted' }),
      ])
        .when(command({ type: 'RecordFailure', reason: 'webex-rejected', message: 'x', retryable: false }))
        .thenThrows(MeetingCommandRejectedError, rejected(/nothing to fail/)));
  });

  describe('RequestCopy', () => {
    const copy = {
      ...requestedData,
      meetingId: copyMeetingId(meetingId, calendarId, 'copy1'),
      source: 'copy' as const,
      eventId: 'copy1',
      copiedFromMeetingId: meetingId,
    };

    it('starts a new stream with the copy request', () =>
      given([])
        .when(command({ type: 'RequestCopy', request: copy }))
        .thenEvents(facts([{ type: 'MeetingRequested', data: copy }])));

    it('refuses a second request, or one that is not a copy', () => {
      given([requested()])
        .when(command({ type: 'RequestCopy', request: copy }))
        .thenThrows(MeetingCommandRejectedError, rejected(/already requested/));
      given([])
        .when(command({ type: 'RequestCopy', request: { ...copy, source: 'calendar' } }))
        .thenThrows(MeetingCommandRejectedError, rejected(/source "copy"/));
    });
  });
  describe('the envelope of a decided event', () => {
    it('is on the meeting’s stream, in the origin’s tenant, and carries its correlation, cause and trace', () =>
      given([requested()])
        .when({
          type: 'RecordDeleted',
          reason: 'event-deleted',
          origin: {
            ...origin,
            traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
            sourceUpdatedAt: '2026-11-30T07:00:00Z',
          },
        })
        .thenEvents(([cancelled]) =>
          expect(cancelled).toMatchObject({
            type: 'MeetingCancelled',
            streamId,
            tenantId,
            correlationId: 'corr-1',
            causationId: origin.causationId,
            traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
            occurredAt: now.toISOString(),
            sourceUpdatedAt: '2026-11-30T07:00:00Z',
          }),
        ));

    it('a request that names no cause keeps its correlation id and names none', () =>
      given([])
        .when({
          type: 'RequestMeeting',
          request: requestedData,
          origin: { ...origin, causationId: null, correlationId: 'gateway-request-7' },
        })
        .thenEvents(([request]) => {
          expect(request).toMatchObject({ correlationId: 'gateway-request-7', causationId: null });
          expect(request).not.toHaveProperty('sourceUpdatedAt');
        }));
  });

  describe('RequestMeeting', () => {
    it('starts the meeting’s stream with the request as given', () =>
      given([])
        .when(command({ type: 'RequestMeeting', request: requestedData }))
        .thenEvents(facts([{ type: 'MeetingRequested', data: requestedData }])));

    it('records nothing when the stream exists or was tombstoned', () => {
      given([requested()])
        .when(command({ type: 'RequestMeeting', request: requestedData }))
        .thenNothingHappened();
      expect(
        meetingDecider.decide(
          command({ type: 'RequestMeeting', request: requestedData }),
          tombstonedMeetingState,
        ),
      ).toEqual([]);
    });
  });

  describe('facts other services record', () => {
    const attachment = { meetingId, calendarId, eventId: 'newevent1', conferenceId: '2581234567' };
    const ending = { meetingId, endedAt: '2026-12-01T09:30:00Z', source: 'scheduled-end' as const };
    const purge = { meetingId, purgedAt: '2026-12-02T09:30:00Z', retentionAfterEndSeconds: 86_400 };

    it('ConferenceAttached once per calendar event and conference', () => {
      given([requested(), scheduled()])
        .when(command({ type: 'AttachConference', attachment }))
        .thenEvents(facts([{ type: 'ConferenceAttached', data: attachment }]));
      given([requested(), scheduled(), envelope('ConferenceAttached', attachment)])
        .when(command({ type: 'AttachConference', attachment }))
        .thenNothingHappened();
      // Another conference on the same event (replaced), or another event: a new fact.
      given([requested(), scheduled(), envelope('ConferenceAttached', attachment)])
        .when(command({ type: 'AttachConference', attachment: { ...attachment, conferenceId: '99' } }))
        .thenEvents(facts([{ type: 'ConferenceAttached', data: { ...attachment, conferenceId: '99' } }]));
    });

    it('MeetingEnded once, and MeetingDataPurged once', () => {
      given([requested(), scheduled()])
        .when(command({ type: 'EndMeeting', ending }))
        .thenEvents(facts([{ type: 'MeetingEnded', data: ending }]));
      given([requested(), scheduled(), envelope('MeetingEnded', ending)])
        .when(command({ type: 'EndMeeting', ending }))
        .thenNothingHappened();
      given([requested(), scheduled(), envelope('MeetingEnded', ending)])
        .when(command({ type: 'RecordDataPurged', purge }))
        .thenEvents(facts([{ type: 'MeetingDataPurged', data: purge }]));
      given([
        requested(),
        scheduled(),
        envelope('MeetingEnded', ending),
        envelope('MeetingDataPurged', purge),
      ])
        .when(command({ type: 'RecordDataPurged', purge }))
        .thenNothingHappened();
      given([
        requested(),
        scheduled(),
        envelope('MeetingEnded', ending),
        envelope('MeetingDataPurged', purge),
      ])
        .when(command({ type: 'EndMeeting', ending }))
        .thenNothingHappened();
    });

    it('a meeting whose stream does not exist, or was tombstoned, is gone', () => {
      const commands: MeetingCommandBody[] = [
        { type: 'AttachConference', attachment },
        { type: 'EndMeeting', ending },
        { type: 'RecordDataPurged', purge },
      ];
      for (const body of commands) {
        given([])
          .when(command(body))
          .thenThrows(MeetingGoneError, (error) =>
            expect(error).toMatchObject({ meetingId, command: body.type }),
          );
        expect(() => meetingDecider.decide(command(body), tombstonedMeetingState)).toThrow(MeetingGoneError);
      }
    });

    it('fold into the state as before: the event linked, the meeting ended, then purged', () => {
      const gmail = requested({ source: 'gmail', eventId: undefined, gmailMessageId: 'm-1' });
      const state = foldMeeting([
        gmail,
        scheduled(),
        envelope('ConferenceAttached', attachment),
        envelope('MeetingEnded', ending),
      ]);
      expect(state).toMatchObject({ status: 'ended', event: { calendarId, eventId: 'newevent1' } });
      expect(
        foldMeeting([
          gmail,
          scheduled(),
          envelope('MeetingEnded', ending),
          envelope('MeetingDataPurged', purge),
        ]).status,
      ).toBe('purged');
    });
  });
});

describe('nextStep', () => {
  const requestedTrigger: Trigger = { kind: 'requested', triggerId: newUuidV7() };

  describe('on MeetingRequested', () => {
    it('creates a requested meeting from the normalized request', () => {
      const step = meetingOf(requested({ title: 't'.repeat(128) })).plan(requestedTrigger);
      expect(step).toMatchObject({ kind: 'create', desired: { title: 't'.repeat(128) } });
    });

    it('fails a meeting that would start in the past, without calling Webex', () =>
      expect(meetingOf(requested()).plan(requestedTrigger, new Date('2026-12-01T09:01:00Z'))).toMatchObject({
        kind: 'fail',
        reason: 'webex-rejected',
      }));

    it('accepts a start inside the current minute (Webex moves it to the next minute)', () =>
      expect(meetingOf(requested()).plan(requestedTrigger, new Date('2026-12-01T09:00:30Z')).kind).toBe(
        'create',
      ));

    it('does nothing for scheduled, failed, cancelled or unknown meetings', () => {
      expect(meetingOf(requested(), scheduled()).plan(requestedTrigger)).toEqual({
        kind: 'nothing',
        reason: 'already-scheduled',
      });
      const failed = envelope('MeetingSchedulingFailed', {
        meetingId,
        reason: 'reauthorization-required',
        message: 'x',
        retryable: true,
      });
      expect(meetingOf(requested(), failed).plan(requestedTrigger)).toEqual({
        kind: 'nothing',
        reason: 'failed',
      });
      expect(meetingOf().plan(requestedTrigger)).toEqual({ kind: 'nothing', reason: 'not-requested' });
    });

    it('does nothing for a trigger that already caused an event here', () => {
      const failed = envelope(
        'MeetingSchedulingFailed',
        { meetingId, reason: 'webex-rejected', message: 'x', retryable: false },
        requestedTrigger.triggerId,
      );
      expect(meetingOf(requested(), failed).plan(requestedTrigger)).toEqual({
        kind: 'nothing',
        reason: 'already-handled',
      });
    });
  });

  describe('on CalendarEventChanged of the meeting’s own event', () => {
    const meeting = () => meetingOf(requested(), scheduled());

    it('does nothing when the desired state is what Webex holds (attendee order, organizer, case)', () =>
      expect(meeting().plan(change())).toEqual({ kind: 'nothing', reason: 'unchanged' }));

    it('a subject change updates the whole desired state', () =>
      expect(meeting().plan(change({ title: 'Renamed' }))).toMatchObject({
        kind: 'update',
        changed: ['title'],
        webexMeetingId,
        desired: {
          title: 'Renamed',
          start: '2026-12-01T09:00:00Z',
          end: '2026-12-01T09:30:00Z',
          timeZone: 'Europe/Berlin',
        },
      }));

    it('a time or time-zone change is a time change; the same instant in another offset is not', () => {
      expect(
        meeting().plan(change({ start: '2026-12-01T10:00:00Z', end: '2026-12-01T10:30:00Z' })),
      ).toMatchObject({ kind: 'update', changed: ['time'] });
      expect(meeting().plan(change({ timeZone: 'Europe/London' }))).toMatchObject({ changed: ['time'] });
      expect(
        meeting().plan(change({ start: '2026-12-01T10:00:00+01:00', end: '2026-12-01T10:30:00+01:00' })),
      ).toEqual({ kind: 'nothing', reason: 'unchanged' });
    });

    it('an invitee-only change is an update of the invitees alone', () =>
      expect(meeting().plan(change({ attendees: [{ email: 'new@example.com' }] }))).toMatchObject({
        kind: 'update',
        changed: ['invitees'],
      }));

    it('a move into the past is refused without calling Webex', () =>
      expect(
        meeting().plan(change({ start: '2026-11-29T09:00:00Z', end: '2026-11-29T09:30:00Z' })),
      ).toMatchObject({ kind: 'fail', reason: 'webex-rejected' }));

    it('an over-long title is truncated, so the same long title twice is one change', () => {
      const step = meeting().plan(change({ title: 'é'.repeat(300) }));
      expect(step).toMatchObject({ kind: 'update', desired: { title: `${'é'.repeat(127)}…` } });
    });

    it('a cancellation deletes the meeting', () =>
      expect(meeting().plan(cancelledChange())).toEqual({
        kind: 'delete',
        webexMeetingId,
        reason: 'event-deleted',
      }));

    it('our conference removed from the event (the event stays) deletes the meeting', () =>
      expect(meeting().plan(conferenceRemovedChange())).toEqual({
        kind: 'delete',
        webexMeetingId,
        reason: 'conference-removed',
      }));

    it('the conference removed from a copy concerns the copy’s meeting', () =>
      expect(meeting().plan(conferenceRemovedChange({ eventId: 'copyevent9' }))).toEqual({
        kind: 'redirect',
        meetingId: copyMeetingId(meetingId, calendarId, 'copyevent9'),
      }));

    it('only the organizer’s edits count', () =>
      expect(meeting().plan(change({ title: 'Theirs', organizedByUser: false }))).toEqual({
        kind: 'nothing',
        reason: 'not-organizer',
      }));

    it('ignores changes from another tenant', () =>
      expect(meeting().plan({ ...change({ title: 'x' }), tenantId: 'other.example' } as Trigger)).toEqual({
        kind: 'nothing',
        reason: 'other-tenant',
      }));

    it('ignores changes that do not carry this meeting’s conference', () => {
      expect(meeting().plan(change({ title: 'x', conference: undefined }))).toEqual({
        kind: 'nothing',
        reason: 'no-conference',
      });
      expect(
        meeting().plan(
          change({
            title: 'x',
            conference: { meetingId: '019ac0a0-1c2d-7e3f-8a4b-000000000000', conferenceId: '1' },
          }),
        ),
      ).toEqual({ kind: 'nothing', reason: 'no-conference' });
    });

    // It used to wait (nak and redelivery) until the create was recorded; now the change is
    // recorded as the desired state and applied right after the create.
    it('a change while the meeting is still being created becomes its desired state', () =>
      expect(meetingOf(requested()).plan(change({ title: 'x' }))).toMatchObject({
        kind: 'update',
        changed: ['title'],
        webexMeetingId: undefined,
      }));

    it('ignores changes to cancelled, ended, failed or unknown meetings', () => {
      const cancelled = envelope('MeetingCancelled', { meetingId, webexMeetingId, reason: 'event-deleted' });
      expect(meetingOf(requested(), scheduled(), cancelled).plan(change({ title: 'x' }))).toEqual({
        kind: 'nothing',
        reason: 'finished',
      });
      const failed = envelope('MeetingSchedulingFailed', {
        meetingId,
        reason: 'webex-rejected',
        message: 'x',
        retryable: false,
      });
      expect(meetingOf(requested(), failed).plan(change({ title: 'x' }))).toEqual({
        kind: 'nothing',
        reason: 'failed',
      });
      expect(meetingOf().plan(change())).toEqual({ kind: 'nothing', reason: 'unknown-meeting' });
    });

    it('a Gmail meeting follows its event once ConferenceAttached linked it', () => {
      const gmail = requested({ source: 'gmail', eventId: undefined, gmailMessageId: 'm-1' });
      expect(meetingOf(gmail, scheduled()).plan(change({ title: 'x' }))).toEqual({
        kind: 'nothing',
        reason: 'event-not-linked',
      });
      const attached = envelope('ConferenceAttached', { meetingId, calendarId, eventId, conferenceId: '1' });
      expect(meetingOf(gmail, scheduled(), attached).plan(change({ title: 'x' }))).toMatchObject({
        kind: 'update',
      });
    });
  });

  describe('on CalendarEventChanged of another event carrying the conference', () => {
    const meeting = () => meetingOf(requested(), scheduled());

    it('a copy gets a new meeting request with a deterministic id and the copy’s details', () => {
      const step = meeting().plan(
        change({ eventId: 'copy1', start: '2026-12-08T09:00:00Z', end: '2026-12-08T09:30:00Z' }),
      );
      expect(step).toEqual({
        kind: 'copy',
        request: {
          meetingId: copyMeetingId(meetingId, calendarId, 'copy1'),
          userId,
          source: 'copy',
          calendarId,
          eventId: 'copy1',
          copiedFromMeetingId: meetingId,
          title: 'Design review',
          start: '2026-12-08T09:00:00Z',
          end: '2026-12-08T09:30:00Z',
          timeZone: 'Europe/Berlin',
          invitees: [{ email: 'alan@example.org' }, { email: 'grace@example.com', displayName: 'Grace' }],
        },
      });
      expect(() => MeetingRequested.data.parse((step as { request: unknown }).request)).not.toThrow();
    });

    it('the same copy seen twice plans the same request', () => {
      const first = meeting().plan(change({ eventId: 'copy1' }));
      const second = meeting().plan(change({ eventId: 'copy1', title: 'Edited copy' }));
      expect((first as { request: { meetingId: string } }).request.meetingId).toBe(
        (second as { request: { meetingId: string } }).request.meetingId,
      );
    });

    it('a deleted copy is handled against the copy’s own stream', () =>
      expect(meeting().plan(cancelledChange({ eventId: 'copy1' }))).toEqual({
        kind: 'redirect',
        meetingId: copyMeetingId(meetingId, calendarId, 'copy1'),
      }));

    it('a change passed on to a copy never copies again', () =>
      expect(meeting().plan({ ...change({ eventId: 'copy2' }), redirected: true } as Trigger)).toEqual({
        kind: 'nothing',
        reason: 'other-calendar',
      }));

    it('copies in someone else’s calendar that they do not organize are ignored', () =>
      expect(meeting().plan(change({ eventId: 'copy1', organizedByUser: false }))).toEqual({
        kind: 'nothing',
        reason: 'not-organizer',
      }));

    it('instances of the meeting’s recurring event are not copies', () =>
      expect(meeting().plan(change({ eventId: `${eventId}_20261208T090000Z` }))).toEqual({
        kind: 'nothing',
        reason: 'recurring-instance',
      }));

    it('the same event id in another calendar is not followed', () =>
      expect(meeting().plan(change({ calendarId: 'team@example.com', title: 'x' }))).toEqual({
        kind: 'nothing',
        reason: 'other-calendar',
      }));
  });
});

// Personal data forgotten (crypto-shredding): the codec opens forgotten values as Redacted
// markers, which no contract accepts, so these envelopes are built around validation, as the
// codec's decode returns them.

const redactedRequest = (marker = REDACTED_FORGOTTEN): EventEnvelope => {
  const event = requested();
  return { ...event, data: { ...requestedData, title: marker, invitees: marker } };
};

const updatedEvent = (data: Record<string, unknown> = {}, causationId?: string) =>
  envelope(
    'MeetingUpdated',
    {
      meetingId,
      webexMeetingId,
      title: 'Renamed',
      start: '2026-12-01T09:00:00Z',
      end: '2026-12-01T09:30:00Z',
      timeZone: 'Europe/Berlin',
      invitees: [{ email: 'alan@example.org' }, { email: 'grace@example.com', displayName: 'Grace' }],
      changed: ['title'],
      ...data,
    },
    causationId,
  );

const redactedUpdate = (): EventEnvelope => {
  const event = updatedEvent();
  return {
    ...event,
    data: { ...(event.data as object), title: REDACTED_FORGOTTEN, invitees: REDACTED_FORGOTTEN },
  };
};

const redactedChange = (overrides: Partial<LiveCalendarChange> = {}): Trigger => {
  const trigger = change(overrides) as Extract<Trigger, { kind: 'calendarChange' }>;
  return {
    ...trigger,
    change: {
      ...trigger.change,
      title: REDACTED_FORGOTTEN,
      attendees: REDACTED_FORGOTTEN,
      organizerEmail: REDACTED_FORGOTTEN,
    } as unknown as LiveCalendarChange,
  };
};

const ended = () =>
  envelope('MeetingEnded', { meetingId, endedAt: '2026-12-01T09:30:00Z', source: 'scheduled-end' });
const purged = () =>
  envelope('MeetingDataPurged', { meetingId, purgedAt: '2026-12-02T09:30:00Z', retentionAfterEndSeconds: 0 });

describe('a meeting whose personal data was forgotten', () => {
  it('folds a redacted MeetingRequested without throwing and without a desired state', () => {
    const state = foldMeeting([redactedRequest()]);
    expect(state).toMatchObject({ status: 'requested', meetingId, userId, personalDataForgotten: true });
    expect(state.requested).toBeUndefined();
  });

  it('folds a redacted MeetingUpdated, marking what Webex holds as unknown', () => {
    const state = foldMeeting([requested(), scheduled(), redactedUpdate()]);
    expect(state).toMatchObject({ status: 'scheduled', personalDataForgotten: true });
  });

  it('a purged stream (retention: ended, purged, key forgotten) folds to purged', () => {
    const state = foldMeeting([redactedRequest(), scheduled(), redactedUpdate(), ended(), purged()]);
    expect(state.status).toBe('purged');
  });

  const allTriggers = (): [string, Trigger][] => [
    ['MeetingRequested', { kind: 'requested', triggerId: newUuidV7() }],
    ['a change of its event', change({ title: 'Renamed again' })],
    ['a redacted change of its event', redactedChange()],
    ['a cancellation of its event', cancelledChange()],
    ['a copy', change({ eventId: 'copy1' })],
    ['a redacted copy', redactedChange({ eventId: 'copy1' })],
    ['a cancelled copy', cancelledChange({ eventId: 'copy1' })],
    ['a change passed on to a copy', { ...change({ eventId: 'copy1' }), redirected: true } as Trigger],
  ];

  describe.each([
    ['ended', () => meetingOf(redactedRequest(), scheduled(), ended())],
    ['purged', () => meetingOf(redactedRequest(), scheduled(), redactedUpdate(), ended(), purged())],
    ['purged with its data intact', () => meetingOf(requested(), scheduled(), ended(), purged())],
  ])('when %s', (_status, meeting) => {
    it.each(allTriggers())('%s does nothing', (_name, trigger) =>
      expect(meeting().plan(trigger)).toEqual({ kind: 'nothing', reason: 'finished' }),
    );
  });

  it('a tombstoned stream (status purged, nothing else known) does nothing for any trigger', () => {
    const tombstoned: MeetingState = { status: 'purged', handledCauses: new Set() };
    for (const [, trigger] of allTriggers())
      expect(nextStep(tombstoned, trigger, now)).toEqual({ kind: 'nothing', reason: 'finished' });
  });

  it('a redacted request is not created, and changes do not wait for a create that cannot come', () => {
    const meeting = meetingOf(redactedRequest());
    expect(meeting.plan({ kind: 'requested', triggerId: newUuidV7() })).toEqual({
      kind: 'nothing',
      reason: 'personal-data-forgotten',
    });
    expect(meeting.plan(change({ title: 'x' }))).toEqual({
      kind: 'nothing',
      reason: 'personal-data-forgotten',
    });
  });

  it('a scheduled meeting with unreadable data (tampered) is not updated, but can still be deleted', () => {
    const meeting = meetingOf(redactedRequest(REDACTED_TAMPERED), scheduled());
    expect(meeting.plan(change({ title: 'x' }))).toEqual({
      kind: 'nothing',
      reason: 'personal-data-forgotten',
    });
    expect(meeting.plan(cancelledChange())).toEqual({
      kind: 'delete',
      webexMeetingId,
      reason: 'event-deleted',
    });
  });

  it('a redacted change never reaches Webex, for the meeting’s own event or a copy', () => {
    const meeting = meetingOf(requested(), scheduled());
    expect(meeting.plan(redactedChange())).toEqual({ kind: 'nothing', reason: 'personal-data-forgotten' });
    expect(meeting.plan(redactedChange({ eventId: 'copy1' }))).toEqual({
      kind: 'nothing',
      reason: 'personal-data-forgotten',
    });
  });

  it('no step planned from any redacted state or trigger carries a Redacted marker', () => {
    const states = [
      meetingOf(redactedRequest()),
      meetingOf(redactedRequest(), scheduled()),
      meetingOf(requested(), scheduled(), redactedUpdate()),
      meetingOf(redactedRequest(REDACTED_TAMPERED), scheduled()),
      meetingOf(requested(), scheduled()),
    ];
    for (const meeting of states)
      for (const [, trigger] of allTriggers()) {
        const step = meeting.plan(trigger);
        expect(JSON.stringify(step)).not.toContain('$redacted');
      }
  });
});

describe('ordering by Google’s `updated` time', () => {
  const t1 = '2026-11-30T07:00:00Z';
  const t2 = '2026-11-30T07:05:00Z';
  const t3 = '2026-11-30T07:10:00Z';

  /** The meeting after a change updated at `appliedAt` renamed it to "Renamed". */
  const afterChangeAt = (appliedAt: string) => {
    const update = updatedEvent({}, newUuidV7());
    return meetingOf(requested(), scheduled(), { ...update, sourceUpdatedAt: appliedAt });
  };

  it('the fold keeps the newest source time of the events in the stream', () => {
    const first = updatedEvent({}, newUuidV7());
    const second = updatedEvent({ title: 'Again' }, newUuidV7());
    const sourced = (a: string, b: string) =>
      foldMeeting([
        requested(),
        scheduled(),
        { ...first, sourceUpdatedAt: a },
        { ...second, sourceUpdatedAt: b },
      ]);
    expect(sourced(t1, t2).sourceUpdatedAt).toBe(t2);
    // Out of order in the stream (cannot happen through nextStep, but the fold must not go back).
    expect(sourced(t2, t1).sourceUpdatedAt).toBe(t2);
    expect(sourced(t1, 'not a time').sourceUpdatedAt).toBe(t1);
    expect(foldMeeting([requested(), scheduled()]).sourceUpdatedAt).toBeUndefined();
  });

  it('an older change redelivered after a newer one was applied is stale', () =>
    expect(afterChangeAt(t2).plan(change({ title: 'Design review', updatedAt: t1 }))).toEqual({
      kind: 'nothing',
      reason: 'stale',
    }));

  it('a newer change still applies, and one of the same time is planned as usual', () => {
    expect(afterChangeAt(t2).plan(change({ title: 'Newest', updatedAt: t3 }))).toMatchObject({
      kind: 'update',
      desired: { title: 'Newest' },
    });
    expect(afterChangeAt(t2).plan(change({ title: 'Renamed', updatedAt: t2 }))).toEqual({
      kind: 'nothing',
      reason: 'unchanged',
    });
  });

  it('an older cancellation does not delete a meeting a newer change updated; one without a time does', () => {
    const olderCancellation = cancelledChange() as Extract<Trigger, { kind: 'calendarChange' }>;
    expect(
      afterChangeAt(t2).plan({
        ...olderCancellation,
        change: { ...olderCancellation.change, updatedAt: t1 },
      }),
    ).toEqual({ kind: 'nothing', reason: 'stale' });
    expect(afterChangeAt(t2).plan(cancelledChange())).toMatchObject({ kind: 'delete' });
  });

  it('so is a conference removal older than the change applied', () => {
    expect(afterChangeAt(t2).plan(conferenceRemovedChange({ updatedAt: t1 }))).toEqual({
      kind: 'nothing',
      reason: 'stale',
    });
    expect(afterChangeAt(t2).plan(conferenceRemovedChange({ updatedAt: t3 }))).toMatchObject({
      kind: 'delete',
      reason: 'conference-removed',
    });
  });

  it('a meeting no change was applied to yet takes any change', () =>
    expect(meetingOf(requested(), scheduled()).plan(change({ title: 'x', updatedAt: t1 }))).toMatchObject({
      kind: 'update',
    }));
});

describe('level-triggered: the desired state, and waiting for Webex', () => {
  const moved = {
    title: 'Design review',
    start: '2026-12-01T10:00:00Z',
    end: '2026-12-01T10:30:00Z',
    timeZone: 'Europe/Berlin',
    invitees: [{ email: 'alan@example.org' }, { email: 'grace@example.com', displayName: 'Grace' }],
  };
  const changeRequested = (desired: typeof moved & { recurrence?: string[] } = moved) =>
    envelope('MeetingChangeRequested', { meetingId, ...desired });
  const deferred = (attempt: number) =>
    envelope('MeetingSyncDeferred', {
      meetingId,
      attempt,
      nextAttemptAt: '2026-11-30T08:00:02Z',
      reason: 'webex-unavailable',
      message: 'Webex answered 503',
    });
  const waiting = () =>
    envelope('MeetingReconnectRequired', { meetingId, account: 'webex', message: 'connect again' });
  const updatedTo = (desired: typeof moved) =>
    envelope('MeetingUpdated', { meetingId, webexMeetingId, ...desired, changed: ['time'] });

  describe('RecordDesiredState', () => {
    it('records a calendar change as MeetingChangeRequested, before any Webex call', () =>
      given([requested(), scheduled()])
        .when(command({ type: 'RecordDesiredState', desired: moved }))
        .thenEvents(facts([{ type: 'MeetingChangeRequested', data: { meetingId, ...moved } }])));

    it('records nothing when it is already the desired state, and a change back to what Webex holds', () => {
      given([requested(), scheduled(), changeRequested()])
        .when(command({ type: 'RecordDesiredState', desired: moved }))
        .thenNothingHappened();
      const original = foldMeeting([requested(), scheduled()]).applied!;
      given([requested(), scheduled(), changeRequested()])
        .when(command({ type: 'RecordDesiredState', desired: original }))
        .thenEvents(
          facts([
            {
              type: 'MeetingChangeRequested',
              data: { meetingId, ...desiredStateFields(original) },
            },
          ]),
        );
    });

    it('refuses a meeting that is finished or never requested', () => {
      const cancelled = envelope('MeetingCancelled', { meetingId, webexMeetingId, reason: 'event-deleted' });
      given([requested(), scheduled(), cancelled])
        .when(command({ type: 'RecordDesiredState', desired: moved }))
        .thenThrows(MeetingCommandRejectedError, rejected(/no desired state/));
      given([])
        .when(command({ type: 'RecordDesiredState', desired: moved }))
        .thenThrows(MeetingCommandRejectedError, rejected(/no desired state/));
    });
  });

  describe('RecordDeferred and RecordWaitingForReconnect', () => {
    const deferral = {
      type: 'RecordDeferred',
      attempt: 2,
      nextAttemptAt: '2026-11-30T08:00:04Z',
      reason: 'webex-unavailable',
      message: 'Webex answered 503',
    } as const;

    it('records each attempt once: a repeated decision on the same attempt records nothing', () => {
      given([requested(), deferred(1)])
        .when(command(deferral))
        .thenEvents(
          facts([
            {
              type: 'MeetingSyncDeferred',
              data: {
                meetingId,
                attempt: 2,
                nextAttemptAt: '2026-11-30T08:00:04Z',
                reason: 'webex-unavailable',
                message: 'Webex answered 503',
              },
            },
          ]),
        );
      given([requested(), deferred(2)])
        .when(command(deferral))
        .thenNothingHappened();
    });

    it('a dead authorization is a wait for the reconnect, stated once, and never fails the meeting', () => {
      given([requested()])
        .when(command({ type: 'RecordWaitingForReconnect', message: 'connect again' }))
        .thenEvents(
          facts([
            {
              type: 'MeetingReconnectRequired',
              data: { meetingId, account: 'webex', message: 'connect again' },
            },
          ]),
        );
      given([requested(), waiting()])
        .when(command({ type: 'RecordWaitingForReconnect', message: 'connect again' }))
        .thenNothingHappened();
      expect(foldMeeting([requested(), waiting()])).toMatchObject({
        status: 'requested',
        sync: { kind: 'waiting-for-reconnect', account: 'webex' },
      });
    });

    it('every answer from Webex ends the wait', () => {
      expect(foldMeeting([requested(), deferred(3)]).sync).toMatchObject({ kind: 'deferred', attempt: 3 });
      expect(foldMeeting([requested(), deferred(3), scheduled()]).sync).toBeUndefined();
      expect(
        foldMeeting([requested(), scheduled(), changeRequested(), waiting(), updatedTo(moved)]).sync,
      ).toBe(undefined);
    });
  });

  describe('planReconcile', () => {
    const plan = (...events: MeetingStreamEvent[]) => planReconcile(foldMeeting(events), now);

    it('creates a requested meeting from the request, then PATCHes a change recorded meanwhile', () => {
      expect(plan(requested(), changeRequested())).toMatchObject({
        kind: 'create',
        desired: { start: '2026-12-01T09:00:00Z' },
      });
      expect(plan(requested(), changeRequested(), scheduled())).toEqual({
        kind: 'patch',
        desired: moved,
        changed: ['time'],
        webexMeetingId,
      });
    });

    it('a series is created with its rule; a rule Webex cannot repeat fails with its reason, before any Webex call', () => {
      const weekly = ['RRULE:FREQ=WEEKLY;COUNT=6'];
      expect(plan(requested({ recurrence: weekly }))).toMatchObject({
        kind: 'create',
        desired: { recurrence: weekly },
      });
      expect(plan(requested({ recurrence: ['RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15'] }))).toEqual({
        kind: 'fail',
        reason: 'unsupported-recurrence',
        message: expect.stringMatching(/^unsupported-recurrence: BYMONTHDAY=1,15 with FREQ=MONTHLY/),
      });
      // Its excluded occurrences are deleted once the series exists (see the occurrences' plans).
      const excluding = ['RRULE:FREQ=WEEKLY;COUNT=3', 'EXDATE:20261208T090000Z'];
      expect(plan(requested({ recurrence: excluding }))).toMatchObject({
        kind: 'create',
        desired: { recurrence: excluding },
      });
      const failed = envelope('MeetingSchedulingFailed', {
        meetingId,
        reason: 'unsupported-recurrence',
        message: 'unsupported-recurrence: BYMONTHDAY=1,15 with FREQ=MONTHLY',
        retryable: false,
      });
      expect(
        foldMeeting([requested({ recurrence: ['RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15'] }), failed]).status,
      ).toBe('failed');
    });

    it('a changed rule PATCHes the series; a rule changed to one Webex cannot repeat is refused and given up', () => {
      const weekly = ['RRULE:FREQ=WEEKLY;COUNT=6'];
      const ended = ['RRULE:FREQ=WEEKLY;UNTIL=20261215T000000Z'];
      const series = { ...requestedData, recurrence: weekly };
      const {
        meetingId: _id,
        userId: _user,
        source: _source,
        calendarId: _calendar,
        eventId: _event,
        ...desired
      } = series;
      expect(
        plan(
          requested({ recurrence: weekly }),
          scheduled(),
          changeRequested({ ...desired, recurrence: ended }),
        ),
      ).toMatchObject({
        kind: 'patch',
        changed: ['recurrence'],
        desired: { recurrence: ended },
      });
      expect(
        plan(
          requested({ recurrence: weekly }),
          scheduled(),
          changeRequested({ ...desired, recurrence: ['RRULE:FREQ=HOURLY'] }),
        ),
      ).toMatchObject({ kind: 'fail', reason: 'unsupported-recurrence' });
      // Webex cannot turn a single meeting into a series.
      expect(
        plan(requested(), scheduled(), changeRequested({ ...desired, recurrence: weekly })),
      ).toMatchObject({
        kind: 'fail',
        reason: 'unsupported-recurrence',
        message: expect.stringContaining('single meeting'),
      });
    });

    it('is converged when Webex holds the newest desired state', () => {
      expect(plan(requested(), scheduled())).toEqual({ kind: 'nothing', reason: 'converged' });
      expect(plan(requested(), scheduled(), changeRequested(), updatedTo(moved))).toEqual({
        kind: 'nothing',
        reason: 'converged',
      });
    });

    it('the newest desired state wins over an older pending one, however many attempts failed', () => {
      const newest = { ...moved, title: 'Newest' };
      expect(
        plan(requested(), scheduled(), changeRequested(), deferred(1), changeRequested(newest), deferred(2)),
      ).toMatchObject({ kind: 'patch', desired: newest });
    });

    it('drift found in Webex is applied again; once applied, converged; a meeting deleted in Webex is left alone', () => {
      const drifted = (found: 'changed' | 'deleted', changed: string[] = []) =>
        envelope('MeetingDriftDetected', { meetingId, webexMeetingId, found, changed });
      const state = foldMeeting([requested(), scheduled(), drifted('changed', ['time', 'invitees'])]);
      expect(planReconcile(state, now)).toMatchObject({ kind: 'patch', changed: ['time', 'invitees'] });
      const [update] = decide(
        { type: 'ApplyDesiredState', desired: state.applied!, webexResult: { id: webexMeetingId }, origin },
        state,
      );
      expect(update!.data).toMatchObject({ changed: ['time', 'invitees'] });
      expect(planReconcile(evolve(state, update!), now)).toEqual({ kind: 'nothing', reason: 'converged' });
      // The same drift found again before it was applied is stated once.
      expect(decide({ type: 'RecordDrift', found: 'changed', changed: ['time'], origin }, state)).toEqual([]);

      const gone = foldMeeting([requested(), scheduled(), drifted('deleted')]);
      expect(planReconcile(gone, now)).toEqual({ kind: 'nothing', reason: 'deleted-in-webex' });
      expect(decide({ type: 'RecordDrift', found: 'deleted', changed: [], origin }, gone)).toEqual([]);
    });

    it('a change refused by Webex is given up, so it is not tried for ever', () => {
      const refused = envelope('MeetingSchedulingFailed', {
        meetingId,
        reason: 'webex-rejected',
        message: 'x',
        retryable: false,
      });
      expect(plan(requested(), scheduled(), changeRequested(), refused)).toEqual({
        kind: 'nothing',
        reason: 'converged',
      });
    });

    it('a requested cancellation removes the Webex meeting, even once personal data is forgotten', () => {
      const cancellation = envelope('MeetingCancellationRequested', { meetingId, reason: 'event-deleted' });
      expect(plan(requested(), scheduled(), cancellation)).toEqual({
        kind: 'remove',
        webexMeetingId,
        reason: 'event-deleted',
      });
      const original = changeRequested();
      const forgotten = {
        ...original,
        data: { ...(original.data as Record<string, unknown>), title: REDACTED_FORGOTTEN },
      };
      expect(plan(requested(), scheduled(), forgotten, cancellation)).toMatchObject({ kind: 'remove' });
      expect(plan(requested(), scheduled(), forgotten)).toEqual({
        kind: 'nothing',
        reason: 'personal-data-forgotten',
      });
    });

    it('does nothing for failed, finished or unknown meetings, and refuses a move into the past', () => {
      const failed = envelope('MeetingSchedulingFailed', {
        meetingId,
        reason: 'webex-rejected',
        message: 'x',
        retryable: false,
      });
      expect(plan(requested(), failed)).toEqual({ kind: 'nothing', reason: 'failed' });
      expect(plan()).toEqual({ kind: 'nothing', reason: 'not-requested' });
      const ended = envelope('MeetingEnded', {
        meetingId,
        endedAt: now.toISOString(),
        source: 'scheduled-end',
      });
      expect(plan(requested(), scheduled(), changeRequested(), ended)).toEqual({
        kind: 'nothing',
        reason: 'finished',
      });
      const past = { ...moved, start: '2026-11-29T09:00:00Z', end: '2026-11-29T09:30:00Z' };
      expect(plan(requested(), scheduled(), changeRequested(past))).toMatchObject({
        kind: 'fail',
        reason: 'webex-rejected',
      });
    });
  });

  it('a change compares with the newest desired state: going back to what Webex holds is a change', () => {
    const meeting = meetingOf(requested(), scheduled(), changeRequested());
    expect(meeting.plan(change())).toMatchObject({ kind: 'update', changed: ['time'] });
    expect(meeting.plan(change({ start: '2026-12-01T10:00:00Z', end: '2026-12-01T10:30:00Z' }))).toEqual({
      kind: 'nothing',
      reason: 'unchanged',
    });
  });
});

describe('the user cancels and retries', () => {
  const failed = () =>
    envelope('MeetingSchedulingFailed', {
      meetingId,
      reason: 'webex-rejected',
      message: 'Webex refused it',
      retryable: false,
    });
  const userCancellation = () =>
    envelope('MeetingCancellationRequested', { meetingId, reason: 'user-request' });

  it('records the cancellation of a scheduled meeting; the reconcile then DELETEs the Webex meeting', () => {
    given([requested(), scheduled()])
      .when(command({ type: 'RecordCancellationRequested', reason: 'user-request' }))
      .thenEvents(
        facts([{ type: 'MeetingCancellationRequested', data: { meetingId, reason: 'user-request' } }]),
      );
    expect(planReconcile(foldMeeting([requested(), scheduled(), userCancellation()]), now)).toEqual({
      kind: 'remove',
      webexMeetingId,
      reason: 'user-request',
    });
  });

  it('cancels a failed meeting without calling Webex (it has no Webex meeting)', () => {
    given([requested(), failed()])
      .when(command({ type: 'RecordCancellationRequested', reason: 'user-request' }))
      .thenEvents(
        facts([{ type: 'MeetingCancellationRequested', data: { meetingId, reason: 'user-request' } }]),
      );
    expect(planReconcile(foldMeeting([requested(), failed(), userCancellation()]), now)).toEqual({
      kind: 'remove',
      webexMeetingId: undefined,
      reason: 'user-request',
    });
    given([requested(), failed(), userCancellation()])
      .when(command({ type: 'RecordDeleted', reason: 'user-request' }))
      .thenEvents(facts([{ type: 'MeetingCancelled', data: { meetingId, reason: 'user-request' } }]));
  });

  it('a calendar change still cannot cancel a failed meeting', () =>
    given([requested(), failed()])
      .when(command({ type: 'RecordCancellationRequested', reason: 'event-deleted' }))
      .thenThrows(MeetingCommandRejectedError, rejected(/failed meeting cannot be cancelled/)));

  it('retries a failed meeting: requested again, and the reconcile creates it from its request', () => {
    given([requested(), failed()])
      .when(command({ type: 'RetryFailed' }))
      .thenEvents(facts([{ type: 'MeetingRetryRequested', data: { meetingId } }]));
    const retried = foldMeeting([requested(), failed(), envelope('MeetingRetryRequested', { meetingId })]);
    expect(retried.status).toBe('requested');
    expect(retried.lastFailure).toBeUndefined();
    expect(planReconcile(retried, now)).toEqual({ kind: 'create', desired: retried.requested });
  });

  it('retries only a failed meeting', () => {
    given([requested(), scheduled()])
      .when(command({ type: 'RetryFailed' }))
      .thenThrows(MeetingCommandRejectedError, rejected(/only a failed meeting can be retried/));
    given([requested()])
      .when(command({ type: 'RetryFailed' }))
      .thenThrows(MeetingCommandRejectedError, rejected(/only a failed meeting can be retried/));
  });
});

describe('single occurrences of a series', () => {
  const weekly = ['RRULE:FREQ=WEEKLY;COUNT=6'];
  const series = () => requested({ recurrence: weekly });
  // The third occurrence, named by its original start; Calendar may write it with an offset.
  const third = '2026-12-15T09:00:00.000Z';
  const movedShown = { title: 'Design review', start: '2026-12-15T11:00:00Z', end: '2026-12-15T11:30:00Z' };
  const occurrenceChanged = (data: Record<string, unknown>) =>
    envelope('MeetingOccurrenceChangeRequested', {
      meetingId,
      originalStart: third,
      cancelled: false,
      ...data,
    });
  const occurrenceApplied = (data: Record<string, unknown>) =>
    envelope('MeetingOccurrenceApplied', { meetingId, webexMeetingId, originalStart: third, ...data });

  describe('RecordOccurrenceChange', () => {
    it('records a moved occurrence as desired state, keyed by its original start in UTC', () => {
      given([series(), scheduled()])
        .when(
          command({
            type: 'RecordOccurrenceChange',
            originalStart: '2026-12-15T10:00:00+01:00',
            cancelled: false,
            shown: movedShown,
          }),
        )
        .thenEvents(
          facts([
            {
              type: 'MeetingOccurrenceChangeRequested',
              data: { meetingId, originalStart: third, cancelled: false, shown: movedShown },
            },
          ]),
        );
      expect(
        foldMeeting([series(), scheduled(), occurrenceChanged({ shown: movedShown })]).desiredOccurrences,
      ).toEqual(new Map([[third, { originalStart: third, cancelled: false, ...movedShown }]]));
    });

    it('records a cancelled occurrence, and an occurrence back to its series removes its exception', () => {
      given([series(), scheduled()])
        .when(command({ type: 'RecordOccurrenceChange', originalStart: third, cancelled: true }))
        .thenEvents(
          facts([
            {
              type: 'MeetingOccurrenceChangeRequested',
              data: { meetingId, originalStart: third, cancelled: true },
            },
          ]),
        );
      const cancelledThird = occurrenceChanged({ cancelled: true });
      expect(foldMeeting([series(), scheduled(), cancelledThird]).desiredOccurrences).toEqual(
        new Map([[third, { originalStart: third, cancelled: true }]]),
      );
      expect(
        foldMeeting([series(), scheduled(), cancelledThird, occurrenceChanged({})]).desiredOccurrences,
      ).toEqual(new Map());
    });

    it('records nothing when the occurrence already looks so (a redelivered change)', () => {
      given([series(), scheduled(), occurrenceChanged({ shown: movedShown })])
        .when(
          command({
            type: 'RecordOccurrenceChange',
            originalStart: '2026-12-15T10:00:00+01:00',
            cancelled: false,
            shown: { ...movedShown, start: '2026-12-15T12:00:00+01:00' },
          }),
        )
        .thenNothingHappened();
      given([series(), scheduled()])
        .when(command({ type: 'RecordOccurrenceChange', originalStart: third, cancelled: false }))
        .thenNothingHappened();
    });

    it('refuses a meeting that is no series, is finished, or a cancelled occurrence that shows something', () => {
      given([requested(), scheduled()])
        .when(command({ type: 'RecordOccurrenceChange', originalStart: third, cancelled: true }))
        .thenThrows(MeetingCommandRejectedError, rejected(/only a recurring series/));
      const cancelled = envelope('MeetingCancelled', { meetingId, webexMeetingId, reason: 'event-deleted' });
      given([series(), scheduled(), cancelled])
        .when(command({ type: 'RecordOccurrenceChange', originalStart: third, cancelled: true }))
        .thenThrows(MeetingCommandRejectedError, rejected(/no occurrences to change/));
      given([series(), scheduled()])
        .when(
          command({
            type: 'RecordOccurrenceChange',
            originalStart: third,
            cancelled: true,
            shown: movedShown,
          }),
        )
        .thenThrows(MeetingCommandRejectedError, rejected(/shows nothing/));
    });

    it('marks the personal data forgotten when the title cannot be opened', () => {
      const changed = occurrenceChanged({ shown: movedShown });
      const state = foldMeeting([
        series(),
        scheduled(),
        {
          ...changed,
          data: { ...(changed.data as object), shown: { ...movedShown, title: REDACTED_FORGOTTEN } },
        },
      ]);
      expect(state.personalDataForgotten).toBe(true);
      expect(state.desiredOccurrences).toBeUndefined();
    });
  });

  describe('RecordOccurrenceApplied', () => {
    const patched = { originalStart: third, occurrence: { kind: 'patched', shown: movedShown } } as const;

    it('records what Webex holds for the occurrence, once', () => {
      given([series(), scheduled()])
        .when(command({ type: 'RecordOccurrenceApplied', applied: patched }))
        .thenEvents(
          facts([
            {
              type: 'MeetingOccurrenceApplied',
              data: {
                meetingId,
                webexMeetingId,
                originalStart: third,
                occurrence: 'patched',
                shown: movedShown,
              },
            },
          ]),
        );
      given([series(), scheduled(), occurrenceApplied({ occurrence: 'patched', shown: movedShown })])
        .when(command({ type: 'RecordOccurrenceApplied', applied: patched }))
        .thenNothingHappened();
      // An occurrence as its series says needs no record, unless Webex held something else for it.
      given([series(), scheduled()])
        .when(
          command({
            type: 'RecordOccurrenceApplied',
            applied: { originalStart: third, occurrence: { kind: 'as-series' } },
          }),
        )
        .thenNothingHappened();
    });

    it('records the single meeting standing in for an occurrence moved off its day', () => {
      const single = {
        webexMeetingId: 'single-0001',
        shown: { ...movedShown, start: '2026-12-16T09:00:00Z', end: '2026-12-16T09:30:00Z' },
      };
      given([series(), scheduled()])
        .when(
          command({
            type: 'RecordOccurrenceApplied',
            applied: { originalStart: third, occurrence: { kind: 'deleted' }, single },
          }),
        )
        .thenEvents(
          facts([
            {
              type: 'MeetingOccurrenceApplied',
              data: { meetingId, webexMeetingId, originalStart: third, occurrence: 'deleted', single },
            },
          ]),
        );
      expect(
        foldMeeting([series(), scheduled(), occurrenceApplied({ occurrence: 'deleted', single })])
          .appliedOccurrences,
      ).toEqual(new Map([[third, { originalStart: third, occurrence: { kind: 'deleted' }, single }]]));
    });

    it('forgets the patched occurrences when the series’ times change (Webex drops them), keeps the rest', () => {
      const single = { webexMeetingId: 'single-0001', shown: movedShown };
      const fourth = '2026-12-22T09:00:00.000Z';
      const state = foldMeeting([
        series(),
        scheduled(),
        occurrenceApplied({ occurrence: 'patched', shown: movedShown }),
        occurrenceApplied({ originalStart: fourth, occurrence: 'deleted', single }),
        envelope('MeetingUpdated', {
          ...desiredStateFields(foldMeeting([series()]).requested!),
          meetingId,
          webexMeetingId,
          start: '2026-12-01T10:00:00Z',
          end: '2026-12-01T10:30:00Z',
          changed: ['time'],
        }),
      ]);
      expect(state.appliedOccurrences).toEqual(
        new Map([[fourth, { originalStart: fourth, occurrence: { kind: 'as-series' }, single }]]),
      );
      const retitled = foldMeeting([
        series(),
        scheduled(),
        occurrenceApplied({ occurrence: 'patched', shown: movedShown }),
        envelope('MeetingUpdated', {
          ...desiredStateFields(foldMeeting([series()]).requested!),
          meetingId,
          webexMeetingId,
          title: 'Renamed',
          changed: ['title'],
        }),
      ]);
      expect(retitled.appliedOccurrences?.get(third)?.occurrence.kind).toBe('patched');
    });

    it('an EXDATE added or taken out rewrites no Webex series: its deletions stay, and the plan follows the new lines', () => {
      const seriesFields = desiredStateFields(foldMeeting([series()]).requested!);
      const fourth = '2026-12-22T09:00:00.000Z';
      const exdates = (...lines: string[]) =>
        envelope('MeetingUpdated', {
          ...seriesFields,
          meetingId,
          webexMeetingId,
          recurrence: [...weekly, ...lines],
          changed: ['recurrence'],
        });
      const added = foldMeeting([
        requested({ recurrence: [...weekly, 'EXDATE:20261215T090000Z'] }),
        scheduled(),
        occurrenceApplied({ occurrence: 'deleted' }),
        exdates('EXDATE:20261215T090000Z', 'EXDATE:20261222T090000Z'),
      ]);
      expect(added.appliedOccurrences?.get(third)?.occurrence.kind).toBe('deleted');
      expect(planReconcile(added, now)).toMatchObject({
        kind: 'apply-occurrence',
        operation: { kind: 'delete-occurrence', originalStart: fourth },
      });
      // Taken out again: a deleted Webex occurrence cannot come back, so a single meeting stands in.
      const takenOut = foldMeeting([
        requested({ recurrence: [...weekly, 'EXDATE:20261215T090000Z'] }),
        scheduled(),
        occurrenceApplied({ occurrence: 'deleted' }),
        exdates(),
      ]);
      expect(planReconcile(takenOut, now)).toMatchObject({
        kind: 'apply-occurrence',
        operation: { kind: 'create-single', originalStart: third },
      });
    });

    it('nextStep records an exception of the series’ own event; other instances stay ignored', () => {
      const meeting = meetingOf(series(), scheduled());
      const instance = `${eventId}_20261215T090000Z`;
      expect(
        meeting.plan(
          change({
            eventId: instance,
            recurringEventId: eventId,
            originalStartTime: third,
            start: movedShown.start,
            end: movedShown.end,
            recurrence: undefined,
          }),
        ),
      ).toEqual({ kind: 'change-occurrence', originalStart: third, cancelled: false, shown: movedShown });
      expect(
        meeting.plan({
          ...cancelledChange({ eventId: instance }),
          change: {
            ...(cancelledChange({ eventId: instance }) as { change: object }).change,
            recurringEventId: eventId,
            originalStartTime: third,
          },
        } as Trigger),
      ).toEqual({ kind: 'change-occurrence', originalStart: third, cancelled: true });
      expect(
        meeting.plan(
          change({
            eventId: instance,
            recurringEventId: eventId,
            originalStartTime: third,
            organizedByUser: false,
          }),
        ),
      ).toEqual({ kind: 'nothing', reason: 'not-organizer' });
    });

    it('planReconcile applies the exceptions one Webex call at a time, once the series is as desired', () => {
      const pending = foldMeeting([series(), scheduled(), occurrenceChanged({ shown: movedShown })]);
      expect(planReconcile(pending, now)).toEqual({
        kind: 'apply-occurrence',
        operation: {
          kind: 'patch-occurrence',
          originalStart: third,
          occurrenceId: `${webexMeetingId}_20261215T090000Z`,
          shown: expect.objectContaining(movedShown),
        },
        desired: pending.desired,
        webexMeetingId,
      });
      const applied = foldMeeting([
        series(),
        scheduled(),
        occurrenceChanged({ shown: movedShown }),
        occurrenceApplied({ occurrence: 'patched', shown: movedShown }),
      ]);
      expect(planReconcile(applied, now)).toEqual({ kind: 'nothing', reason: 'converged' });
    });

    it('planReconcile deletes each occurrence an EXDATE excludes, like a cancelled exception, and only starts the rule produces', () => {
      // 12-16 is no start of the weekly rule: it names no occurrence.
      const excluding = requested({
        recurrence: [...weekly, 'EXDATE;TZID=Europe/Berlin:20261215T100000', 'EXDATE:20261216T090000Z'],
      });
      const pending = foldMeeting([excluding, scheduled()]);
      expect(planReconcile(pending, now)).toEqual({
        kind: 'apply-occurrence',
        operation: {
          kind: 'delete-occurrence',
          originalStart: third,
          occurrenceId: `${webexMeetingId}_20261215T090000Z`,
        },
        desired: pending.desired,
        webexMeetingId,
      });
      // Excluded wins over an exception the calendar still holds for the same occurrence.
      const alsoMoved = foldMeeting([excluding, scheduled(), occurrenceChanged({ shown: movedShown })]);
      expect(planReconcile(alsoMoved, now)).toMatchObject({
        kind: 'apply-occurrence',
        operation: { kind: 'delete-occurrence', originalStart: third },
      });
      const deleted = foldMeeting([excluding, scheduled(), occurrenceApplied({ occurrence: 'deleted' })]);
      expect(planReconcile(deleted, now)).toEqual({ kind: 'nothing', reason: 'converged' });
    });

    it('refuses a meeting not scheduled in Webex', () =>
      given([series()])
        .when(command({ type: 'RecordOccurrenceApplied', applied: patched }))
        .thenThrows(MeetingCommandRejectedError, rejected(/only a scheduled series/)));
  });
});
