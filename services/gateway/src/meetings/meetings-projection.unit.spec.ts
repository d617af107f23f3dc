import { envelopeToEventToAppend } from '@scheduler/event-store';
import { describe, expect, it } from '@jest/globals';
import {
  ConferenceAttached,
  type EventEnvelope,
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
  createEvent,
  newUuidV7,
} from '@scheduler/contracts';
import type { RecordedEvent } from '@scheduler/event-store';
import { type MeetingView, MeetingView as MeetingViewSchema, projectMeeting } from './meetings-projection.js';

const meetingId = newUuidV7();
const streamId = `meeting-${meetingId}`;
const tenantId = 'demo.example';
let revision = 0n;

function recorded(envelope: EventEnvelope): RecordedEvent {
  const append = envelopeToEventToAppend(envelope);
  return {
    id: append.id,
    streamId,
    revision: revision++,
    position: { commit: revision, prepare: revision },
    type: append.type,
    data: append.data,
    metadata: append.metadata ?? {},
    recordedAt: new Date(),
  };
}

const requested = () =>
  recorded(
    createEvent(MeetingRequested, {
      streamId,
      tenantId,
      occurredAt: new Date('2026-11-26T08:00:00Z'),
      data: {
        meetingId,
        userId: '1001',
        source: 'calendar',
        calendarId: 'alice@demo.example',
        eventId: 'evt1',
        title: 'Planning',
        start: '2027-01-04T09:00:00Z',
        end: '2027-01-04T09:30:00Z',
        timeZone: 'Europe/Berlin',
        invitees: [{ email: 'bob@demo.example' }],
      },
    }),
  );
const scheduled = () =>
  recorded(
    createEvent(MeetingScheduled, {
      streamId,
      tenantId,
      data: {
        meetingId,
        webexMeetingId: 'w1',
        meetingNumber: '2551234567',
        siteUrl: 'demo.webex.com',
        webLink: 'https://demo.webex.com/j.php?MTID=m1',
        sipAddress: '2551234567@demo.webex.com',
      },
    }),
  );
const attached = () =>
  recorded(
    createEvent(ConferenceAttached, {
      streamId,
      tenantId,
      data: { meetingId, calendarId: 'alice@demo.example', eventId: 'evt1', conferenceId: '2551234567' },
    }),
  );
const updated = () =>
  recorded(
    createEvent(MeetingUpdated, {
      streamId,
      tenantId,
      data: {
        meetingId,
        webexMeetingId: 'w1',
        title: 'Planning (moved)',
        start: '2027-01-04T10:00:00Z',
        end: '2027-01-04T10:30:00Z',
        timeZone: 'Europe/Berlin',
        invitees: [],
        changed: ['title', 'time'],
      },
    }),
  );
const failed = () =>
  recorded(
    createEvent(MeetingSchedulingFailed, {
      streamId,
      tenantId,
      data: {
        meetingId,
        reason: 'webex-rejected',
        message: 'Webex refused the meeting',
        webexTrackingId: 'ROUTER_1',
        retryable: false,
      },
    }),
  );
const cancelled = () =>
  recorded(
    createEvent(MeetingCancelled, { streamId, tenantId, data: { meetingId, reason: 'event-deleted' } }),
  );
const ended = () =>
  recorded(
    createEvent(MeetingEnded, {
      streamId,
      tenantId,
      data: { meetingId, endedAt: '2027-01-04T09:30:00Z', source: 'scheduled-end' },
    }),
  );
const purged = () =>
  recorded(
    createEvent(MeetingDataPurged, {
      streamId,
      tenantId,
      data: { meetingId, purgedAt: '2027-01-04T09:30:01Z', retentionAfterEndSeconds: 0 },
    }),
  );

const changeRequested = () =>
  recorded(
    createEvent(MeetingChangeRequested, {
      streamId,
      tenantId,
      data: {
        meetingId,
        title: 'Planning (moved)',
        start: '2027-01-04T10:00:00Z',
        end: '2027-01-04T10:30:00Z',
        timeZone: 'Europe/Berlin',
        invitees: [],
      },
    }),
  );
const deferred = (attempt = 1) =>
  recorded(
    createEvent(MeetingSyncDeferred, {
      streamId,
      tenantId,
      data: {
        meetingId,
        attempt,
        nextAttemptAt: `2027-01-03T08:00:0${attempt}Z`,
        reason: 'webex-unavailable',
        message: 'Webex answered 503',
      },
    }),
  );
const drifted = (found: 'changed' | 'deleted') =>
  recorded(
    createEvent(MeetingDriftDetected, {
      streamId,
      tenantId,
      data: { meetingId, webexMeetingId: 'w1', found, changed: found === 'changed' ? ['time'] : [] },
    }),
  );

const waitingForReconnect = () =>
  recorded(
    createEvent(MeetingReconnectRequired, {
      streamId,
      tenantId,
      data: { meetingId, account: 'webex', message: 'connect Webex again' },
    }),
  );

/** given(events) -> the view the projection folds them into. */
function given(...events: RecordedEvent[]): MeetingView | undefined {
  let view: MeetingView | undefined;
  for (const event of events) {
    const result = projectMeeting(view, event);
    if (result === 'delete') view = undefined;
    else if (result !== undefined) view = result;
  }
  if (view) expect(MeetingViewSchema.safeParse(view).success).toBe(true);
  return view;
}

describe('meetings projection', () => {
  it('MeetingRequested starts a requested meeting scoped to its tenant and user', () => {
    expect(given(requested())).toEqual({
      meetingId,
      tenantId,
      userId: '1001',
      calendarId: 'alice@demo.example',
      eventId: 'evt1',
      status: 'requested',
      title: 'Planning',
      start: '2027-01-04T09:00:00Z',
      end: '2027-01-04T09:30:00Z',
      timeZone: 'Europe/Berlin',
      sync: { status: 'pending' },
      requestedAt: '2026-11-26T08:00:00.000Z',
      updatedAt: '2026-11-26T08:00:00.000Z',
    });
  });

  it('scheduled then attached shows attached with the join link, in either order', () => {
    const inOrder = given(requested(), scheduled(), attached());
    expect(inOrder).toMatchObject({
      status: 'attached',
      joinLink: 'https://demo.webex.com/j.php?MTID=m1',
      meetingNumber: '2551234567',
      sipAddress: '2551234567@demo.webex.com',
    });
    expect(given(requested(), attached(), scheduled())).toMatchObject({
      status: 'attached',
      joinLink: inOrder!.joinLink,
    });
  });

  it('updates the title and time; a failure carries its reason and tracking id; a later schedule clears it', () => {
    expect(given(requested(), scheduled(), attached(), updated())).toMatchObject({
      status: 'updated',
      title: 'Planning (moved)',
      start: '2027-01-04T10:00:00Z',
    });
    const failure = given(requested(), failed());
    expect(failure).toMatchObject({
      status: 'failed',
      failure: { reason: 'webex-rejected', message: 'Webex refused the meeting', trackingId: 'ROUTER_1' },
    });
    expect(given(requested(), failed(), scheduled())).not.toHaveProperty('failure');
  });

  it('a retried failure is requested again, pending, without the failure; a retry of anything else changes nothing', () => {
    const retried = () =>
      recorded(createEvent(MeetingRetryRequested, { streamId, tenantId, data: { meetingId } }));
    const view = given(requested(), failed(), retried());
    expect(view).toMatchObject({ status: 'requested', sync: { status: 'pending' } });
    expect(view).not.toHaveProperty('failure');
    const first = requested();
    const second = scheduled();
    expect(projectMeeting(given(first, second), retried())).toBeUndefined();
  });

  it('finished meetings stay finished', () => {
    expect(given(requested(), scheduled(), cancelled(), attached())!.status).toBe('cancelled');
    expect(given(requested(), scheduled(), ended(), cancelled())!.status).toBe('ended');
    expect(given(requested(), ended(), purged(), scheduled())!.status).toBe('purged');
  });

  it('MeetingDataPurged redacts the personal fields and keeps what scopes and schedules it', () => {
    const view = given(requested(), failed(), purged())!;
    expect(view).toMatchObject({ status: 'purged', userId: '1001', tenantId, start: '2027-01-04T09:00:00Z' });
    expect(view.failure).toEqual({ reason: 'webex-rejected' });
    const attachedThenPurged = given(requested(), scheduled(), attached(), ended(), purged())!;
    for (const field of ['title', 'joinLink', 'meetingNumber', 'sipAddress'])
      expect(attachedThenPurged).not.toHaveProperty(field);
  });

  describe('sync status', () => {
    it('pending while requested; converged once scheduled', () => {
      expect(given(requested())!.sync).toEqual({ status: 'pending' });
      expect(given(requested(), scheduled(), attached())!.sync).toEqual({ status: 'converged' });
    });

    it('a deferred attempt is pending with its next attempt time and reason, the status unchanged', () => {
      const view = given(requested(), deferred(1), deferred(2))!;
      expect(view.status).toBe('requested');
      expect(view.sync).toEqual({
        status: 'pending',
        attempt: 2,
        nextAttemptAt: '2027-01-03T08:00:02Z',
        reason: 'webex-unavailable',
      });
    });

    it('a recorded change is pending until an update applies it, also across a create', () => {
      expect(given(requested(), scheduled(), changeRequested(), deferred())!.sync).toMatchObject({
        status: 'pending',
        changePending: true,
      });
      expect(given(requested(), changeRequested(), scheduled())!.sync).toMatchObject({ status: 'pending' });
      expect(given(requested(), changeRequested(), scheduled(), updated())!).toMatchObject({
        status: 'updated',
        sync: { status: 'converged' },
      });
    });

    it('waiting for a reconnect names the account, and is not failed', () => {
      const view = given(requested(), scheduled(), changeRequested(), waitingForReconnect())!;
      expect(view.status).toBe('scheduled');
      expect(view.sync).toEqual({ status: 'waiting-for-reconnect', account: 'webex', changePending: true });
      expect(view).not.toHaveProperty('failure');
    });

    it('a meeting changed in Webex is pending until the calendar state is applied again; one deleted in Webex says so', () => {
      expect(given(requested(), scheduled(), drifted('changed'))!.sync).toEqual({
        status: 'pending',
        changePending: true,
      });
      expect(given(requested(), scheduled(), drifted('changed'), updated())!.sync).toEqual({
        status: 'converged',
      });
      const deleted = given(requested(), scheduled(), drifted('deleted'))!;
      expect(deleted.sync).toEqual({ status: 'deleted-in-webex' });
      expect(deleted.status).toBe('scheduled');
    });

    it('failed, cancelled, ended and purged are shown as such', () => {
      expect(given(requested(), failed())!.sync).toEqual({ status: 'failed' });
      expect(given(requested(), scheduled(), cancelled(), deferred())!.sync).toEqual({ status: 'cancelled' });
      expect(given(requested(), scheduled(), ended())!.sync).toEqual({ status: 'ended' });
      expect(given(requested(), ended(), purged())!.sync).toEqual({ status: 'purged' });
    });
  });

  it('ignores events for a meeting it never saw requested (it could not be scoped to a user)', () => {
    expect(given(scheduled(), attached())).toBeUndefined();
  });

  it('never copies a sealed (encrypted) title into the view', () => {
    const event = requested();
    const sealed = {
      ...event,
      data: { ...event.data, title: { $sealed: 'v1', subject: `meeting:${meetingId}` } },
    };
    expect(given(sealed)).not.toHaveProperty('title');
  });
});
