import {
  ConferenceAttached,
  MeetingCancellationRequested,
  MeetingCancelled,
  MeetingChangeRequested,
  MeetingOccurrenceApplied,
  MeetingOccurrenceChangeRequested,
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
  type DataOf,
  type EventEnvelope,
  type CalendarEventChanged,
} from '@scheduler/contracts';
import { isRedacted } from '@scheduler/crypto-shredding';
import type { Decider } from '@scheduler/event-store';
import type { Meeting as WebexMeeting } from '@scheduler/webex';
import {
  changedAspects,
  desiredStateFields,
  normalizeDesiredState,
  rewritesWebexSeries,
  type ChangedAspect,
  type DesiredState,
} from './desired-state.js';
import {
  afterSeriesRewrite,
  type AppliedOccurrence,
  type OccurrenceException,
  type OccurrenceTimes,
} from '../recurrence/occurrence-plan.js';
import { MeetingCommandRejectedError, MeetingGoneError } from './errors.js';

// The meeting aggregate, Emmett style: evolve(state, event) folds a stream into state,
// decide(command, state) turns a command into events. Both are pure; the kernel's
// handleCommand does the reading and appending, next-step.ts plans the Webex call a trigger
// asks for and meeting-lifecycle.ts makes it.

export const meetingStreamId = (meetingId: string) => `meeting-${meetingId}`;

/**
 * An event of a meeting stream as the fold sees it: the envelope, plus the Google `updated`
 * time of the calendar change that caused it, if one did. The contracts have no field for that
 * time, so the stream's codec keeps it in the stored event's metadata (the bus never carries
 * it); the fold uses it to tell a redelivered older change from a newer one.
 */
export type MeetingStreamEvent = EventEnvelope & { readonly sourceUpdatedAt?: string };

export type MeetingStatus = 'new' | 'requested' | 'scheduled' | 'failed' | 'cancelled' | 'ended' | 'purged';

export interface CalendarEventReference {
  readonly calendarId: string;
  readonly eventId: string;
}

export interface WebexMeetingReference {
  readonly webexMeetingId: string;
  readonly meetingNumber: string;
  readonly siteUrl: string;
  readonly webLink: string;
}

export interface MeetingState {
  readonly status: MeetingStatus;
  readonly meetingId?: string;
  readonly tenantId?: string;
  readonly userId?: string;
  readonly source?: 'calendar' | 'gmail' | 'copy';
  /** The calendar event that carries the meeting: from the request, or from ConferenceAttached. */
  readonly event?: CalendarEventReference;
  /** When MeetingRequested occurred (ISO 8601): the journey's latency is measured from it. */
  readonly requestedAt?: string;
  /** What the request asked for; the Webex meeting is created from it. */
  readonly requested?: DesiredState;
  /** What Webex holds, as far as our stream knows. */
  readonly applied?: DesiredState;
  /**
   * What Webex should hold: the newest of the request and the calendar changes recorded since
   * (MeetingChangeRequested). The meeting is converged when it equals `applied`.
   */
  readonly desired?: DesiredState;
  /**
   * A series' occurrences that the calendar shows differently from the series (its exceptions),
   * keyed by the occurrence's original start (ISO 8601, UTC): what Webex's occurrences should show.
   */
  readonly desiredOccurrences?: ReadonlyMap<string, OccurrenceException>;
  /**
   * What Webex holds for the occurrences that differ from the series, or that have a single
   * meeting standing in for them, keyed like `desiredOccurrences`.
   */
  readonly appliedOccurrences?: ReadonlyMap<string, AppliedOccurrence>;
  /** The calendar event is gone and the Webex meeting is still to be deleted. */
  readonly cancellationRequested?: CancelReason;
  /** Why the desired state is not applied yet; cleared by every outcome Webex answered. */
  readonly sync?: SyncWait;
  readonly webex?: WebexMeetingReference;
  /**
   * What the drift check found changed in Webex since it was applied: Webex no longer holds
   * `applied` in these aspects, so they are applied again. Cleared by the next update.
   */
  readonly drift?: readonly ChangedAspect[];
  /** Someone deleted the Webex meeting in Webex: nothing more is sent to it. */
  readonly webexDeleted?: boolean;
  readonly lastFailure?: { readonly reason: FailureReason; readonly retryable: boolean };
  /**
   * Some personal value in the stream could not be opened (its key was forgotten by the purge,
   * or it did not authenticate): `requested`/`applied` may be missing, so nothing may be sent
   * to Webex that depends on them.
   */
  readonly personalDataForgotten?: boolean;
  /**
   * The newest Google `updated` time of the calendar changes this stream applied (the
   * `sourceUpdatedAt` of the events they caused). An older change is stale.
   */
  readonly sourceUpdatedAt?: string;
  /** Ids of the events that caused events in this stream: a redelivered trigger finds itself here. */
  readonly handledCauses: ReadonlySet<string>;
  /** The calendar events recorded as carrying our conference (ConferenceAttached), by attachmentKey. */
  readonly attachedConferences?: ReadonlySet<string>;
  /** MeetingEnded and MeetingDataPurged are each recorded once, whatever asks again. */
  readonly endRecorded?: boolean;
  /**
   * Webex reported the real end (MeetingEnded source webex-webhook). It is recorded once, also
   * after the scheduled end was: a meeting that ran over ends later than it was scheduled to.
   */
  readonly realEndRecorded?: boolean;
  readonly purgeRecorded?: boolean;
  /** Tombstoned by retention: it can never be read or written again (see tombstonedMeetingState). */
  readonly streamDeleted?: boolean;
}

export type SyncWait =
  | {
      readonly kind: 'deferred';
      readonly attempt: number;
      readonly nextAttemptAt: string;
      readonly reason: DeferReason;
    }
  | { readonly kind: 'waiting-for-reconnect'; readonly account: 'webex' };

export const initialMeetingState: MeetingState = { status: 'new', handledCauses: new Set() };

/** What a tombstoned stream stands for: the kernel reports it, it holds no events to fold. */
export const tombstonedMeetingState: MeetingState = {
  status: 'purged',
  handledCauses: new Set(),
  streamDeleted: true,
};

// The calendar is part of it: an event moved to another calendar keeps its id and conference,
// and recording it there is what makes the meeting follow it.
const attachmentKey = (attachment: { calendarId: string; eventId: string; conferenceId: string }) =>
  `${attachment.calendarId} ${attachment.eventId} ${attachment.conferenceId}`;

export type Data<Contract> = DataOf<Contract>;
export type FailureReason = Data<typeof MeetingSchedulingFailed>['reason'];
export type CancelReason = Data<typeof MeetingCancelled>['reason'];
export type DeferReason = Data<typeof MeetingSyncDeferred>['reason'];
export type CalendarChange = Data<typeof CalendarEventChanged>;

/** What a decision states, before decide wraps it in an envelope (ids, origin, time). */
export type MeetingFact =
  | { readonly type: 'MeetingRequested'; readonly data: Data<typeof MeetingRequested> }
  | { readonly type: 'MeetingScheduled'; readonly data: Data<typeof MeetingScheduled> }
  | { readonly type: 'MeetingUpdated'; readonly data: Data<typeof MeetingUpdated> }
  | { readonly type: 'MeetingCancelled'; readonly data: Data<typeof MeetingCancelled> }
  | { readonly type: 'MeetingChangeRequested'; readonly data: Data<typeof MeetingChangeRequested> }
  | {
      readonly type: 'MeetingOccurrenceChangeRequested';
      readonly data: Data<typeof MeetingOccurrenceChangeRequested>;
    }
  | { readonly type: 'MeetingOccurrenceApplied'; readonly data: Data<typeof MeetingOccurrenceApplied> }
  | {
      readonly type: 'MeetingCancellationRequested';
      readonly data: Data<typeof MeetingCancellationRequested>;
    }
  | { readonly type: 'MeetingSyncDeferred'; readonly data: Data<typeof MeetingSyncDeferred> }
  | {
      readonly type: 'MeetingReconnectRequired';
      readonly data: Data<typeof MeetingReconnectRequired>;
    }
  | { readonly type: 'MeetingSchedulingFailed'; readonly data: Data<typeof MeetingSchedulingFailed> }
  | { readonly type: 'MeetingDriftDetected'; readonly data: Data<typeof MeetingDriftDetected> }
  | { readonly type: 'MeetingRetryRequested'; readonly data: Data<typeof MeetingRetryRequested> }
  | { readonly type: 'ConferenceAttached'; readonly data: Data<typeof ConferenceAttached> }
  | { readonly type: 'MeetingEnded'; readonly data: Data<typeof MeetingEnded> }
  | { readonly type: 'MeetingDataPurged'; readonly data: Data<typeof MeetingDataPurged> };

const contracts = {
  MeetingRequested,
  MeetingScheduled,
  MeetingUpdated,
  MeetingCancelled,
  MeetingChangeRequested,
  MeetingOccurrenceChangeRequested,
  MeetingOccurrenceApplied,
  MeetingCancellationRequested,
  MeetingSyncDeferred,
  MeetingReconnectRequired,
  MeetingSchedulingFailed,
  MeetingDriftDetected,
  MeetingRetryRequested,
  ConferenceAttached,
  MeetingEnded,
  MeetingDataPurged,
} as const;

// evolve

/** The later of two instants (ISO 8601); an unparsable one never wins. */
function newerInstant(current: string | undefined, candidate: string | undefined): string | undefined {
  if (candidate === undefined || Number.isNaN(Date.parse(candidate))) return current;
  if (current === undefined || Date.parse(candidate) > Date.parse(current)) return candidate;
  return current;
}

/** Personal fields come back as Redacted markers once their key is forgotten (or tampered with). */
export const anyRedacted = (...values: unknown[]) => values.some(isRedacted);

export function evolve(state: MeetingState, event: MeetingStreamEvent): MeetingState {
  const handledCauses = event.causationId
    ? new Set([...state.handledCauses, event.causationId])
    : state.handledCauses;
  const newest = newerInstant(state.sourceUpdatedAt, event.sourceUpdatedAt);
  const next: MeetingState = { ...state, handledCauses, ...(newest ? { sourceUpdatedAt: newest } : {}) };
  if (MeetingRequested.is(event)) {
    const data = event.data;
    const forgotten = anyRedacted(data.title, data.invitees);
    return {
      ...next,
      status: 'requested',
      meetingId: data.meetingId,
      requestedAt: event.occurredAt,
      tenantId: event.tenantId,
      userId: data.userId,
      source: data.source,
      ...(data.eventId ? { event: { calendarId: data.calendarId, eventId: data.eventId } } : {}),
      ...(forgotten
        ? { personalDataForgotten: true }
        : { requested: normalizeDesiredState(data), desired: normalizeDesiredState(data) }),
    };
  }
  if (MeetingScheduled.is(event)) {
    const { webexMeetingId, meetingNumber, siteUrl, webLink } = event.data;
    const { sync: _answered, ...rest } = next;
    return {
      ...rest,
      status: 'scheduled',
      webex: { webexMeetingId, meetingNumber, siteUrl, webLink },
      ...(state.requested ? { applied: state.requested } : {}),
    };
  }
  if (MeetingChangeRequested.is(event)) {
    const { title, start, end, timeZone, invitees, recurrence } = event.data;
    if (anyRedacted(title, invitees)) return { ...next, personalDataForgotten: true };
    return {
      ...next,
      desired: { title, start, end, timeZone, invitees, ...(recurrence ? { recurrence } : {}) },
    };
  }
  if (MeetingOccurrenceChangeRequested.is(event)) {
    const { originalStart, cancelled, shown } = event.data;
    if (shown && anyRedacted(shown.title)) return { ...next, personalDataForgotten: true };
    const exception: OccurrenceException | undefined = cancelled
      ? { originalStart: occurrenceKey(originalStart), cancelled: true }
      : shown
        ? { originalStart: occurrenceKey(originalStart), cancelled: false, ...shown }
        : undefined;
    return {
      ...next,
      desiredOccurrences: withEntry(state.desiredOccurrences, occurrenceKey(originalStart), exception),
    };
  }
  if (MeetingOccurrenceApplied.is(event)) {
    const { originalStart, occurrence, shown, single } = event.data;
    if (anyRedacted(shown?.title, single?.shown.title)) return { ...next, personalDataForgotten: true };
    const applied = appliedOccurrenceOf(event.data);
    const { sync: _answered, ...rest } = next;
    return {
      ...rest,
      appliedOccurrences: withEntry(
        state.appliedOccurrences,
        occurrenceKey(originalStart),
        occurrence === 'as-series' && !single ? undefined : applied,
      ),
    };
  }
  if (MeetingCancellationRequested.is(event)) return { ...next, cancellationRequested: event.data.reason };
  if (MeetingSyncDeferred.is(event)) {
    const { attempt, nextAttemptAt, reason } = event.data;
    return { ...next, sync: { kind: 'deferred', attempt, nextAttemptAt, reason } };
  }
  if (MeetingReconnectRequired.is(event))
    return { ...next, sync: { kind: 'waiting-for-reconnect', account: event.data.account } };
  if (MeetingDriftDetected.is(event))
    return event.data.found === 'deleted'
      ? { ...next, webexDeleted: true }
      : { ...next, drift: [...new Set([...(state.drift ?? []), ...event.data.changed])] };
  if (ConferenceAttached.is(event))
    return {
      ...next,
      event: { calendarId: event.data.calendarId, eventId: event.data.eventId },
      attachedConferences: new Set([...(state.attachedConferences ?? []), attachmentKey(event.data)]),
    };
  if (MeetingUpdated.is(event)) {
    const { title, start, end, timeZone, invitees, recurrence } = event.data;
    const { sync: _answered, drift: _reapplied, ...rest } = next;
    if (anyRedacted(title, invitees)) return { ...rest, personalDataForgotten: true };
    // An update applies the newest desired state (appended with the revision it was decided on).
    const applied = { title, start, end, timeZone, invitees, ...(recurrence ? { recurrence } : {}) };
    // Webex drops every exception of a series whose start, end or rule changed.
    const rewritten = rewritesWebexSeries(state.applied, applied, event.data.changed);
    return {
      ...rest,
      applied,
      desired: applied,
      ...(rewritten && state.appliedOccurrences
        ? {
            appliedOccurrences: withoutPlainOccurrences(
              afterSeriesRewrite([...state.appliedOccurrences.values()]),
            ),
          }
        : {}),
    };
  }
  if (MeetingCancelled.is(event)) {
    const { sync: _answered, ...rest } = next;
    return { ...rest, status: 'cancelled' };
  }
  if (MeetingSchedulingFailed.is(event)) {
    const lastFailure = { reason: event.data.reason, retryable: event.data.retryable };
    const { sync: _answered, cancellationRequested: _refused, drift: _givenUp, ...rest } = next;
    // A meeting that exists keeps existing when an update is refused; the refused change is
    // given up (it can never succeed), so Webex's state is the desired one again.
    if (state.status !== 'requested')
      return { ...rest, ...(state.applied ? { desired: state.applied } : {}), lastFailure };
    return { ...rest, status: 'failed', lastFailure };
  }
  if (MeetingRetryRequested.is(event)) {
    // Requested again: created from the request, as the first time.
    const { lastFailure: _retried, sync: _answered, ...rest } = next;
    return { ...rest, status: 'requested', ...(state.requested ? { desired: state.requested } : {}) };
  }
  if (MeetingEnded.is(event))
    return {
      ...next,
      status: 'ended',
      endRecorded: true,
      ...(event.data.source === 'webex-webhook' ? { realEndRecorded: true } : {}),
    };
  if (MeetingDataPurged.is(event)) return { ...next, status: 'purged', purgeRecorded: true };
  return next;
}

/** The key of an occurrence: its original start, as one UTC instant (Calendar writes offsets). */
export const occurrenceKey = (originalStart: string) => new Date(Date.parse(originalStart)).toISOString();

function withEntry<Value>(
  map: ReadonlyMap<string, Value> | undefined,
  key: string,
  value: Value | undefined,
): ReadonlyMap<string, Value> {
  const copy = new Map(map);
  if (value === undefined) copy.delete(key);
  else copy.set(key, value);
  return copy;
}

/** Occurrences as their series says, with no single meeting for them, need no entry. */
const withoutPlainOccurrences = (
  entries: readonly AppliedOccurrence[],
): ReadonlyMap<string, AppliedOccurrence> =>
  new Map(
    entries
      .filter((entry) => entry.occurrence.kind !== 'as-series' || entry.single)
      .map((entry) => [occurrenceKey(entry.originalStart), entry]),
  );

function appliedOccurrenceOf(data: Data<typeof MeetingOccurrenceApplied>): AppliedOccurrence {
  const originalStart = occurrenceKey(data.originalStart);
  const occurrence: AppliedOccurrence['occurrence'] =
    data.occurrence === 'patched' && data.shown
      ? { kind: 'patched', shown: data.shown }
      : data.occurrence === 'deleted'
        ? { kind: 'deleted' }
        : { kind: 'as-series' };
  return { originalStart, occurrence, ...(data.single ? { single: data.single } : {}) };
}

const sameShown = (left: OccurrenceTimes | undefined, right: OccurrenceTimes | undefined) =>
  left === right ||
  (left !== undefined &&
    right !== undefined &&
    left.title === right.title &&
    Date.parse(left.start) === Date.parse(right.start) &&
    Date.parse(left.end) === Date.parse(right.end));

const sameException = (left: OccurrenceException | undefined, right: OccurrenceException | undefined) =>
  left === undefined || right === undefined
    ? left === right
    : left.cancelled || right.cancelled
      ? left.cancelled === right.cancelled
      : sameShown(left, right);

const sameApplied = (left: AppliedOccurrence | undefined, right: AppliedOccurrence) =>
  left !== undefined &&
  left.occurrence.kind === right.occurrence.kind &&
  sameShown(
    left.occurrence.kind === 'patched' ? left.occurrence.shown : undefined,
    right.occurrence.kind === 'patched' ? right.occurrence.shown : undefined,
  ) &&
  left.single?.webexMeetingId === right.single?.webexMeetingId &&
  sameShown(left.single?.shown, right.single?.shown);

export function foldMeeting(events: readonly MeetingStreamEvent[]): MeetingState {
  return events.reduce(evolve, initialMeetingState);
}

// decide

/**
 * Where the events a command appends come from: they carry its correlation id and trace, and
 * name what caused them (an event delivered to us, or the request of another service).
 */
export interface CommandOrigin {
  readonly tenantId: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent: string | null;
  readonly occurredAt: Date;
  /** The Google `updated` time of the calendar change behind the command, if one was. */
  readonly sourceUpdatedAt?: string;
}

/** The origin of what an event delivered to us causes. */
export function originOf(
  cause: Pick<EventEnvelope, 'id' | 'tenantId' | 'correlationId' | 'traceparent'>,
  occurredAt: Date,
  sourceUpdatedAt?: string,
): CommandOrigin {
  return {
    tenantId: cause.tenantId,
    correlationId: cause.correlationId,
    causationId: cause.id,
    traceparent: cause.traceparent,
    occurredAt,
    ...(sourceUpdatedAt === undefined ? {} : { sourceUpdatedAt }),
  };
}

/** A command without its origin: what the lifecycle chooses before it knows when it records. */
export type MeetingCommandBody =
  | { readonly type: 'RequestMeeting'; readonly request: Data<typeof MeetingRequested> }
  | { readonly type: 'RequestCopy'; readonly request: Data<typeof MeetingRequested> }
  | { readonly type: 'ScheduleFromWebex'; readonly webexMeeting: WebexMeeting }
  | {
      readonly type: 'ApplyDesiredState';
      readonly desired: DesiredState;
      /** Webex's answer to the PATCH; absent when nothing Webex holds changed (invitees only). */
      readonly webexResult?: { readonly id: string };
    }
  | { readonly type: 'RecordDeleted'; readonly reason: CancelReason }
  /** A calendar change, before Webex is called: what the meeting should now look like. */
  | { readonly type: 'RecordDesiredState'; readonly desired: DesiredState }
  | { readonly type: 'RecordCancellationRequested'; readonly reason: CancelReason }
  /**
   * A calendar change of one occurrence of the series, before Webex is called: cancelled, shown
   * with its own title and times, or (neither) as the series again.
   */
  | {
      readonly type: 'RecordOccurrenceChange';
      readonly originalStart: string;
      readonly cancelled: boolean;
      readonly shown?: OccurrenceTimes;
    }
  /** What Webex now holds for one occurrence, after the calls for it were made. */
  | { readonly type: 'RecordOccurrenceApplied'; readonly applied: AppliedOccurrence }
  /** The user asked to try a failed meeting again. */
  | { readonly type: 'RetryFailed' }
  | {
      readonly type: 'RecordDeferred';
      readonly attempt: number;
      readonly nextAttemptAt: string;
      readonly reason: DeferReason;
      readonly message: string;
    }
  | { readonly type: 'RecordWaitingForReconnect'; readonly message: string }
  /** What the drift check found in Webex: aspects changed there, or the meeting deleted there. */
  | {
      readonly type: 'RecordDrift';
      readonly found: 'changed' | 'deleted';
      readonly changed: readonly ChangedAspect[];
    }
  | {
      readonly type: 'RecordFailure';
      readonly reason: FailureReason;
      readonly message: string;
      readonly retryable: boolean;
      readonly webexTrackingId?: string;
    }
  | { readonly type: 'AttachConference'; readonly attachment: Data<typeof ConferenceAttached> }
  | { readonly type: 'EndMeeting'; readonly ending: Data<typeof MeetingEnded> }
  | { readonly type: 'RecordDataPurged'; readonly purge: Data<typeof MeetingDataPurged> };

export type MeetingCommand = MeetingCommandBody & { readonly origin: CommandOrigin };

const reject = (state: MeetingState, command: MeetingCommand, reason: string): never => {
  throw new MeetingCommandRejectedError(state.meetingId, command.type, state.status, reason);
};

/** Nothing left to record on: the stream was never started, or retention tombstoned it. */
const gone = (state: MeetingState) => state.status === 'new' || state.streamDeleted === true;

export function decide(command: MeetingCommand, state: MeetingState): MeetingStreamEvent[] {
  return decideFacts(command, state).map((fact) => recorded(fact, command.origin));
}

function recorded(fact: MeetingFact, origin: CommandOrigin): MeetingStreamEvent {
  const envelope = createEvent(contracts[fact.type], {
    streamId: meetingStreamId(fact.data.meetingId),
    tenantId: origin.tenantId,
    data: fact.data as never,
    occurredAt: origin.occurredAt,
    ...(origin.causationId
      ? {
          cause: {
            id: origin.causationId,
            correlationId: origin.correlationId,
            traceparent: origin.traceparent,
          },
        }
      : { correlationId: origin.correlationId, traceparent: origin.traceparent }),
  });
  return origin.sourceUpdatedAt === undefined
    ? envelope
    : { ...envelope, sourceUpdatedAt: origin.sourceUpdatedAt };
}

function decideFacts(command: MeetingCommand, state: MeetingState): MeetingFact[] {
  switch (command.type) {
    // The meeting's id is the stream: a second request for it is the same request.
    case 'RequestMeeting':
      if (state.status !== 'new' || state.streamDeleted) return [];
      return [{ type: 'MeetingRequested', data: command.request }];

    case 'RequestCopy':
      if (state.status !== 'new') reject(state, command, 'the copy was already requested');
      if (command.request.source !== 'copy' || !command.request.copiedFromMeetingId)
        reject(state, command, 'a copy must have source "copy" and copiedFromMeetingId');
      return [{ type: 'MeetingRequested', data: command.request }];

    case 'ScheduleFromWebex': {
      if (state.status !== 'requested') reject(state, command, 'only a requested meeting can be scheduled');
      const meeting = command.webexMeeting;
      const meetingId = state.meetingId!;
      if (meeting.integrationTags && !meeting.integrationTags.includes(meetingId))
        reject(state, command, 'the Webex meeting does not carry this meeting id in its integrationTags');
      if (!meeting.meetingNumber) reject(state, command, 'the Webex meeting has no meeting number');
      const callInNumbers = meeting.telephony.callInNumbers
        .filter((number) => number.tollType === 'toll' || number.tollType === 'tollFree')
        .slice(0, 50)
        .map(({ label, callInNumber, tollType }) => ({
          label,
          callInNumber,
          tollType: tollType as 'toll' | 'tollFree',
        }));
      return [
        {
          type: 'MeetingScheduled',
          data: {
            meetingId,
            webexMeetingId: meeting.id,
            meetingNumber: meeting.meetingNumber!,
            siteUrl: meeting.siteUrl,
            webLink: meeting.webLink,
            ...(meeting.sipAddress ? { sipAddress: meeting.sipAddress } : {}),
            ...(meeting.password ? { password: meeting.password } : {}),
            telephony: { accessCode: meeting.telephony.accessCode, callInNumbers },
          },
        },
      ];
    }

    case 'ApplyDesiredState': {
      if (state.status !== 'scheduled' || !state.webex || !state.applied)
        reject(state, command, 'only a scheduled meeting can be updated');
      if (command.webexResult && command.webexResult.id !== state.webex!.webexMeetingId)
        reject(state, command, `Webex answered for meeting ${command.webexResult.id}`);
      // Aspects changed in Webex behind our back are applied again, though the stream's
      // applied state already has them.
      const changed = withDrift(changedAspects(state.applied!, command.desired), state.drift);
      if (changed.length === 0) return [];
      if (!command.webexResult && changed.some((aspect) => aspect !== 'invitees'))
        reject(state, command, 'a title or time change needs the Webex answer');
      return [
        {
          type: 'MeetingUpdated',
          data: {
            meetingId: state.meetingId!,
            webexMeetingId: state.webex!.webexMeetingId,
            ...desiredStateFields(command.desired),
            changed,
          },
        },
      ];
    }

    case 'RecordDeleted':
      if (state.status === 'cancelled') return [];
      if (state.status === 'new' || state.status === 'ended' || state.status === 'purged')
        reject(state, command, `a ${state.status} meeting cannot be cancelled`);
      return [
        {
          type: 'MeetingCancelled',
          data: {
            meetingId: state.meetingId!,
            ...(state.webex ? { webexMeetingId: state.webex.webexMeetingId } : {}),
            reason: command.reason,
          },
        },
      ];

    case 'RecordDesiredState': {
      if (state.status !== 'requested' && state.status !== 'scheduled')
        reject(state, command, `a ${state.status} meeting has no desired state to change`);
      const current = state.desired ?? state.applied;
      if (current && changedAspects(current, command.desired).length === 0) return [];
      return [
        {
          type: 'MeetingChangeRequested',
          data: { meetingId: state.meetingId!, ...desiredStateFields(command.desired) },
        },
      ];
    }

    case 'RecordOccurrenceChange': {
      if (state.status !== 'requested' && state.status !== 'scheduled')
        reject(state, command, `a ${state.status} meeting has no occurrences to change`);
      if (!(state.desired ?? state.applied)?.recurrence)
        reject(state, command, 'only a recurring series has occurrences');
      if (Number.isNaN(Date.parse(command.originalStart)))
        reject(state, command, `the original start ${command.originalStart} is no instant`);
      if (command.cancelled && command.shown) reject(state, command, 'a cancelled occurrence shows nothing');
      const originalStart = occurrenceKey(command.originalStart);
      const wanted: OccurrenceException | undefined = command.cancelled
        ? { originalStart, cancelled: true }
        : command.shown
          ? { originalStart, cancelled: false, ...command.shown }
          : undefined;
      if (sameException(state.desiredOccurrences?.get(originalStart), wanted)) return [];
      return [
        {
          type: 'MeetingOccurrenceChangeRequested',
          data: {
            meetingId: state.meetingId!,
            originalStart,
            cancelled: command.cancelled,
            ...(command.shown
              ? { shown: { title: command.shown.title, start: command.shown.start, end: command.shown.end } }
              : {}),
          },
        },
      ];
    }

    case 'RecordOccurrenceApplied': {
      if (state.status !== 'scheduled' || !state.webex)
        reject(state, command, 'only a scheduled series has occurrences in Webex');
      const { applied } = command;
      const originalStart = occurrenceKey(applied.originalStart);
      const known = state.appliedOccurrences?.get(originalStart);
      const plain = applied.occurrence.kind === 'as-series' && !applied.single;
      if (known ? sameApplied(known, applied) : plain) return [];
      const pick = ({ title, start, end }: OccurrenceTimes) => ({ title, start, end });
      return [
        {
          type: 'MeetingOccurrenceApplied',
          data: {
            meetingId: state.meetingId!,
            webexMeetingId: state.webex!.webexMeetingId,
            originalStart,
            occurrence: applied.occurrence.kind,
            ...(applied.occurrence.kind === 'patched' ? { shown: pick(applied.occurrence.shown) } : {}),
            ...(applied.single
              ? {
                  single: {
                    webexMeetingId: applied.single.webexMeetingId,
                    shown: pick(applied.single.shown),
                  },
                }
              : {}),
          },
        },
      ];
    }

    case 'RecordCancellationRequested':
      // A failed meeting has no Webex meeting; the user may still cancel it, to be done with it.
      if (
        state.status !== 'requested' &&
        state.status !== 'scheduled' &&
        !(state.status === 'failed' && command.reason === 'user-request')
      )
        reject(state, command, `a ${state.status} meeting cannot be cancelled`);
      if (state.cancellationRequested) return [];
      return [
        {
          type: 'MeetingCancellationRequested',
          data: { meetingId: state.meetingId!, reason: command.reason },
        },
      ];

    case 'RetryFailed':
      if (state.status !== 'failed') reject(state, command, 'only a failed meeting can be retried');
      return [{ type: 'MeetingRetryRequested', data: { meetingId: state.meetingId! } }];

    // A wait is stated once: a repeated poll with the same attempt records nothing.
    case 'RecordDeferred':
      if (state.status !== 'requested' && state.status !== 'scheduled')
        reject(state, command, `a ${state.status} meeting has nothing to defer`);
      if (state.sync?.kind === 'deferred' && state.sync.attempt === command.attempt) return [];
      return [
        {
          type: 'MeetingSyncDeferred',
          data: {
            meetingId: state.meetingId!,
            attempt: command.attempt,
            nextAttemptAt: command.nextAttemptAt,
            reason: command.reason,
            message: command.message.slice(0, 1024),
          },
        },
      ];

    case 'RecordWaitingForReconnect':
      if (state.status !== 'requested' && state.status !== 'scheduled')
        reject(state, command, `a ${state.status} meeting has nothing to wait for`);
      if (state.sync?.kind === 'waiting-for-reconnect') return [];
      return [
        {
          type: 'MeetingReconnectRequired',
          data: { meetingId: state.meetingId!, account: 'webex', message: command.message.slice(0, 1024) },
        },
      ];

    case 'RecordDrift':
      if (state.status !== 'scheduled' || !state.webex)
        reject(state, command, 'only a scheduled meeting can drift in Webex');
      if (state.webexDeleted) return [];
      if (command.found === 'changed' && command.changed.every((aspect) => state.drift?.includes(aspect)))
        return [];
      return [
        {
          type: 'MeetingDriftDetected',
          data: {
            meetingId: state.meetingId!,
            webexMeetingId: state.webex!.webexMeetingId,
            found: command.found,
            // Drift is compared on title, time and invitees; a series' rule is not read back.
            changed:
              command.found === 'deleted' ? [] : command.changed.filter((aspect) => aspect !== 'recurrence'),
          },
        },
      ];

    case 'RecordFailure':
      if (state.status !== 'requested' && state.status !== 'scheduled')
        reject(state, command, `a ${state.status} meeting has nothing to fail`);
      return [
        {
          type: 'MeetingSchedulingFailed',
          data: {
            meetingId: state.meetingId!,
            reason: command.reason,
            message: command.message.slice(0, 1024),
            retryable: command.retryable,
            ...(command.webexTrackingId ? { webexTrackingId: command.webexTrackingId.slice(0, 256) } : {}),
          },
        },
      ];

    // Facts other services ask the meeting's one writer to record: each once, and never on a
    // stream that does not exist (any more).
    case 'AttachConference':
      if (gone(state)) throw new MeetingGoneError(command.attachment.meetingId, command.type);
      if (state.attachedConferences?.has(attachmentKey(command.attachment))) return [];
      return [{ type: 'ConferenceAttached', data: command.attachment }];

    case 'EndMeeting':
      if (gone(state)) throw new MeetingGoneError(command.ending.meetingId, command.type);
      // Webex's real end supersedes the scheduled one, so it is recorded after it too.
      if (command.ending.source === 'webex-webhook' ? state.realEndRecorded : state.endRecorded) return [];
      return [{ type: 'MeetingEnded', data: command.ending }];

    case 'RecordDataPurged':
      if (gone(state)) throw new MeetingGoneError(command.purge.meetingId, command.type);
      if (state.purgeRecorded) return [];
      return [{ type: 'MeetingDataPurged', data: command.purge }];
  }
}

/** The aspects to apply: what the desired state changes, and what drifted in Webex, in one order. */
export function withDrift(
  changed: readonly ChangedAspect[],
  drift: readonly ChangedAspect[] | undefined,
): ChangedAspect[] {
  const all = new Set([...changed, ...(drift ?? [])]);
  return (['title', 'time', 'invitees', 'recurrence'] as const).filter((aspect) => all.has(aspect));
}

export const meetingDecider: Decider<MeetingCommand, MeetingStreamEvent, MeetingState> = {
  decide,
  evolve,
  initialState: () => initialMeetingState,
};
