import type { MeetingRequested } from '@scheduler/contracts';
import { seriesRecurrenceOf } from '@scheduler/contracts';
import {
  changedAspects,
  copyMeetingId,
  desiredStateFields,
  desiredStateFromChange,
  type ChangedAspect,
  type DesiredState,
} from './desired-state.js';
import {
  anyRedacted,
  type CalendarChange,
  type CancelReason,
  type Data,
  type FailureReason,
  type MeetingState,
  type MeetingStatus,
  occurrenceKey,
  withDrift,
} from './meeting.decider.js';
import {
  excludedOccurrences,
  planOccurrences,
  type OccurrenceOperation,
  type OccurrenceTimes,
} from '../recurrence/occurrence-plan.js';

// nextStep: the pure planner of what a trigger asks of the meeting, on its folded state (the
// lifecycle records it as the desired state). planReconcile: the pure planner of the Webex call
// that brings the meeting to its desired state. meeting-lifecycle.ts makes the call and records
// its outcome through the decider.

export type Trigger =
  | { readonly kind: 'requested'; readonly triggerId: string }
  | {
      readonly kind: 'calendarChange';
      readonly triggerId: string;
      readonly tenantId: string;
      readonly change: CalendarChange;
      /** Set when the change was passed on from the original to its copy: never copy again. */
      readonly redirected?: boolean;
    };

export type NothingReason =
  | 'already-handled'
  | 'already-scheduled'
  | 'not-requested'
  | 'finished'
  | 'failed'
  | 'unknown-meeting'
  | 'other-tenant'
  | 'no-conference'
  | 'not-organizer'
  | 'event-not-linked'
  | 'other-calendar'
  | 'recurring-instance'
  | 'unchanged'
  /** Older (Google `updated`) than a change this meeting already applied. */
  | 'stale'
  /** The personal data the step needs was forgotten (purged) or did not authenticate. */
  | 'personal-data-forgotten'
  /** Webex holds what is desired: nothing to do. */
  | 'converged'
  /** Someone deleted the Webex meeting in Webex: it is not re-created. */
  | 'deleted-in-webex';

export type Step =
  | { readonly kind: 'create'; readonly desired: DesiredState }
  | {
      readonly kind: 'update';
      readonly desired: DesiredState;
      readonly changed: readonly ChangedAspect[];
      /** Absent while the meeting is still being created: the change waits in its desired state. */
      readonly webexMeetingId: string | undefined;
    }
  | { readonly kind: 'delete'; readonly webexMeetingId: string | undefined; readonly reason: CancelReason }
  /** A trigger's: one occurrence of the series changed in the calendar (its exception). */
  | {
      readonly kind: 'change-occurrence';
      readonly originalStart: string;
      readonly cancelled: boolean;
      readonly shown?: OccurrenceTimes;
    }
  /** The reconciler's: one Webex call that brings one occurrence of the series to its exception. */
  | {
      readonly kind: 'apply-occurrence';
      readonly operation: OccurrenceOperation;
      readonly desired: DesiredState;
      readonly webexMeetingId: string;
    }
  /**
   * The reconciler's: bring Webex to the whole desired state. Title and time through PATCH,
   * invitees through the meeting-invitees API (PATCH cannot change them).
   */
  | {
      readonly kind: 'patch';
      readonly desired: DesiredState;
      readonly changed: readonly ChangedAspect[];
      readonly webexMeetingId: string;
    }
  /** The reconciler's: DELETE the Webex meeting (if there is one) and record the cancellation. */
  | { readonly kind: 'remove'; readonly webexMeetingId: string | undefined; readonly reason: CancelReason }
  | { readonly kind: 'copy'; readonly request: Data<typeof MeetingRequested> }
  /** The change is about a copy of this meeting: handle it against the copy's stream. */
  | { readonly kind: 'redirect'; readonly meetingId: string }
  /** Refuse without calling Webex (e.g. a start in the past). */
  | { readonly kind: 'fail'; readonly reason: FailureReason; readonly message: string }
  | { readonly kind: 'nothing'; readonly reason: NothingReason };

const minute = 60_000;
const startsInThePast = (desired: DesiredState, now: Date) =>
  Date.parse(desired.start) < Math.floor(now.getTime() / minute) * minute;
const pastStartMessage = 'the meeting would start in the past; Webex only schedules future meetings';

const finished = (status: MeetingStatus) =>
  status === 'cancelled' || status === 'ended' || status === 'purged';

/** A live change whose personal values were forgotten: its title and attendees are markers. */
const changeForgotten = (change: CalendarChange) =>
  (change.change === 'created' || change.change === 'updated') &&
  anyRedacted(change.title, change.attendees, change.organizerEmail);

/**
 * A change that ends the meeting: the event was deleted, or it stays without our conference (the
 * user removed it, so the meeting it carried is not wanted any more).
 */
type EndingChange = Extract<CalendarChange, { change: 'cancelled' | 'conference-removed' }>;
const endsMeeting = (change: CalendarChange): change is EndingChange =>
  change.change === 'cancelled' || change.change === 'conference-removed';
const cancelReasonOf = (change: EndingChange): CancelReason =>
  change.change === 'cancelled' ? 'event-deleted' : 'conference-removed';

const olderThan = (updatedAt: string | undefined, newest: string | undefined) =>
  updatedAt !== undefined && newest !== undefined && Date.parse(updatedAt) < Date.parse(newest);

export function nextStep(state: MeetingState, trigger: Trigger, now: Date): Step {
  if (state.handledCauses.has(trigger.triggerId)) return { kind: 'nothing', reason: 'already-handled' };
  // Ended and purged meetings are gone for good (their personal data may be forgotten): no
  // trigger of any kind reaches Webex for them.
  if (finished(state.status)) return { kind: 'nothing', reason: 'finished' };
  if (trigger.kind === 'requested') {
    switch (state.status) {
      case 'requested':
        if (!state.requested) return { kind: 'nothing', reason: 'personal-data-forgotten' };
        if (startsInThePast(state.requested, now))
          return { kind: 'fail', reason: 'webex-rejected', message: pastStartMessage };
        return { kind: 'create', desired: state.requested };
      case 'new':
        return { kind: 'nothing', reason: 'not-requested' };
      case 'scheduled':
        return { kind: 'nothing', reason: 'already-scheduled' };
      case 'failed':
        return { kind: 'nothing', reason: 'failed' };
      default:
        return { kind: 'nothing', reason: 'finished' };
    }
  }

  const { change } = trigger;
  if (state.status === 'new') return { kind: 'nothing', reason: 'unknown-meeting' };
  if (state.tenantId !== trigger.tenantId) return { kind: 'nothing', reason: 'other-tenant' };
  if (state.status === 'failed') return { kind: 'nothing', reason: 'failed' };
  // A redirected change still names the original's conference; any other must name this meeting.
  if (!change.conference || (!trigger.redirected && change.conference.meetingId !== state.meetingId))
    return { kind: 'nothing', reason: 'no-conference' };
  // Waiting would never end: the create itself cannot happen without the request's details.
  if (state.status === 'requested' && state.personalDataForgotten)
    return { kind: 'nothing', reason: 'personal-data-forgotten' };
  if (!state.event) return { kind: 'nothing', reason: 'event-not-linked' };

  const ownEvent = state.event.calendarId === change.calendarId && state.event.eventId === change.eventId;
  if (ownEvent) {
    // Redelivered after a newer change was applied (a nak sends a change to the back): applying
    // it would roll the meeting back.
    if (olderThan(change.updatedAt, state.sourceUpdatedAt)) return { kind: 'nothing', reason: 'stale' };
    // Deleting needs ids only, so it works even once the personal data is gone.
    if (endsMeeting(change))
      return { kind: 'delete', webexMeetingId: state.webex?.webexMeetingId, reason: cancelReasonOf(change) };
    // Compared with the newest desired state, not only with what Webex holds: a change back to
    // what Webex holds must replace a pending one.
    // Someone deleted it in Webex on purpose: calendar changes are not applied to it any more.
    if (state.webexDeleted) return { kind: 'nothing', reason: 'deleted-in-webex' };
    const current = state.desired ?? state.applied;
    if (state.personalDataForgotten || !current || changeForgotten(change))
      return { kind: 'nothing', reason: 'personal-data-forgotten' };
    if (!change.organizedByUser) return { kind: 'nothing', reason: 'not-organizer' };
    const desired = desiredStateFromChange(change);
    const changed = changedAspects(current, desired);
    if (changed.length === 0) return { kind: 'nothing', reason: 'unchanged' };
    if (changed.includes('time') && startsInThePast(desired, now))
      return { kind: 'fail', reason: 'webex-rejected', message: pastStartMessage };
    return { kind: 'update', desired, changed, webexMeetingId: state.webex?.webexMeetingId };
  }

  if (state.event.eventId === change.eventId) return { kind: 'nothing', reason: 'other-calendar' };
  // Instances of a recurring event ("<id>_20261126T090000Z") share its conference: they are not
  // copies. One that names its series and original start is an exception of that occurrence.
  if (change.eventId.startsWith(`${state.event.eventId}_`)) {
    const exception =
      change.change !== 'conference-removed' &&
      change.recurringEventId === state.event.eventId &&
      change.calendarId === state.event.calendarId &&
      change.originalStartTime !== undefined
        ? change
        : undefined;
    if (!exception) return { kind: 'nothing', reason: 'recurring-instance' };
    if (state.webexDeleted) return { kind: 'nothing', reason: 'deleted-in-webex' };
    if (!(state.desired ?? state.applied)?.recurrence)
      return { kind: 'nothing', reason: 'recurring-instance' };
    if (exception.change === 'cancelled')
      return { kind: 'change-occurrence', originalStart: exception.originalStartTime!, cancelled: true };
    if (state.personalDataForgotten || changeForgotten(exception))
      return { kind: 'nothing', reason: 'personal-data-forgotten' };
    if (!exception.organizedByUser) return { kind: 'nothing', reason: 'not-organizer' };
    return {
      kind: 'change-occurrence',
      originalStart: exception.originalStartTime!,
      cancelled: false,
      shown: { title: exception.title, start: exception.start, end: exception.end },
    };
  }
  if (trigger.redirected) return { kind: 'nothing', reason: 'other-calendar' };

  const copyId = copyMeetingId(state.meetingId!, change.calendarId, change.eventId);
  // A copy deleted, or stripped of the conference it copied: the copy's meeting decides.
  if (endsMeeting(change)) return { kind: 'redirect', meetingId: copyId };
  if (changeForgotten(change)) return { kind: 'nothing', reason: 'personal-data-forgotten' };
  if (!change.organizedByUser) return { kind: 'nothing', reason: 'not-organizer' };
  const desired = desiredStateFromChange(change);
  return {
    kind: 'copy',
    request: {
      meetingId: copyId,
      userId: change.userId,
      source: 'copy',
      calendarId: change.calendarId,
      eventId: change.eventId,
      copiedFromMeetingId: state.meetingId!,
      ...desiredStateFields(desired),
    },
  };
}

/**
 * What brings Webex to the meeting's desired state, from the folded stream alone (no trigger):
 * the reconciler's plan. Create from the request, then PATCH the whole desired state while it
 * differs from what Webex holds, or DELETE once the calendar event is gone.
 */
export function planReconcile(state: MeetingState, now: Date): Step {
  if (finished(state.status)) return { kind: 'nothing', reason: 'finished' };
  if (state.status === 'new') return { kind: 'nothing', reason: 'not-requested' };
  // Deleting needs ids only, so it works even once the personal data is gone. A failed meeting
  // the user cancels has no Webex meeting: it is only recorded cancelled.
  if (state.cancellationRequested)
    return {
      kind: 'remove',
      webexMeetingId: state.webex?.webexMeetingId,
      reason: state.cancellationRequested,
    };
  if (state.status === 'failed') return { kind: 'nothing', reason: 'failed' };
  if (state.personalDataForgotten) return { kind: 'nothing', reason: 'personal-data-forgotten' };
  if (state.webexDeleted) return { kind: 'nothing', reason: 'deleted-in-webex' };
  if (state.status === 'requested') {
    if (!state.requested) return { kind: 'nothing', reason: 'personal-data-forgotten' };
    const refused = refusedRecurrence(state.requested);
    if (refused) return refused;
    if (startsInThePast(state.requested, now))
      return { kind: 'fail', reason: 'webex-rejected', message: pastStartMessage };
    return { kind: 'create', desired: state.requested };
  }
  if (!state.applied || !state.webex) return { kind: 'nothing', reason: 'personal-data-forgotten' };
  const desired = state.desired ?? state.applied;
  const changed = withDrift(changedAspects(state.applied, desired), state.drift);
  if (changed.length === 0)
    return (
      planOccurrenceStep(state, desired, state.webex.webexMeetingId, now) ?? {
        kind: 'nothing',
        reason: 'converged',
      }
    );
  if (changed.includes('recurrence') || (changed.includes('time') && desired.recurrence)) {
    if (desired.recurrence && !state.applied.recurrence)
      return { kind: 'fail', reason: 'unsupported-recurrence', message: singleToSeriesMessage };
    const refused = refusedRecurrence(desired);
    if (refused) return refused;
  }
  if (changed.includes('time') && startsInThePast(desired, now))
    return { kind: 'fail', reason: 'webex-rejected', message: pastStartMessage };
  return { kind: 'patch', desired, changed, webexMeetingId: state.webex.webexMeetingId };
}

/**
 * The next Webex call for the series' occurrences, once the series itself is as desired (a
 * series PATCH of its times or rule drops Webex's exceptions, so they are applied after it).
 */
function planOccurrenceStep(
  state: MeetingState,
  desired: DesiredState,
  webexMeetingId: string,
  now: Date,
): Step | undefined {
  if (!desired.recurrence) return undefined;
  // An excluded start (EXDATE) is cancelled whatever exception the calendar also holds for it.
  const excluded = excludedOccurrences(desired);
  const excludedKeys = new Set(excluded.map((exception) => exception.originalStart));
  const exceptions = [
    ...[...(state.desiredOccurrences?.values() ?? [])].filter(
      (exception) => !excludedKeys.has(occurrenceKey(exception.originalStart)),
    ),
    ...excluded,
  ];
  if (exceptions.length === 0 && !state.appliedOccurrences?.size) return undefined;
  const [operation] = planOccurrences({
    seriesId: webexMeetingId,
    timeZone: desired.timeZone,
    series: { title: desired.title, durationMs: Date.parse(desired.end) - Date.parse(desired.start) },
    exceptions,
    applied: [...(state.appliedOccurrences?.values() ?? [])],
    now,
  });
  return operation ? { kind: 'apply-occurrence', operation, desired, webexMeetingId } : undefined;
}

/**
 * When the meeting is to be compared with Webex until (its start), or undefined when it is not
 * compared: only a scheduled meeting Webex holds, not deleted there, that has not started.
 */
export function driftCheckedUntil(state: MeetingState, now: Date): Date | undefined {
  const start = state.applied ? Date.parse(state.applied.start) : Number.NaN;
  const watched =
    state.status === 'scheduled' &&
    state.webex !== undefined &&
    !state.webexDeleted &&
    state.userId !== undefined &&
    start > now.getTime();
  return watched ? new Date(start) : undefined;
}

// Webex: a PATCH's recurrence "applies only to a recurring meeting series, not to a meeting
// series with only one scheduled meeting".
const singleToSeriesMessage =
  'unsupported-recurrence: the event became a series after its Webex meeting was created as a single meeting, and Webex cannot turn a single meeting into a series; remove the meeting from the event and add it again';

/** A rule Webex cannot repeat as Calendar does: refused before any Webex call, with its reason. */
function refusedRecurrence(desired: DesiredState): Step | undefined {
  const mapping = seriesRecurrenceOf(desired);
  if (!mapping) return undefined;
  if (!mapping.supported)
    return { kind: 'fail', reason: 'unsupported-recurrence', message: mapping.refusal.message };
  return undefined;
}
