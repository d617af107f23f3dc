import {
  ConferenceAttached,
  MeetingCancelled,
  MeetingDataPurged,
  MeetingEnded,
  MeetingRequested,
  MeetingScheduled,
  MeetingSchedulingFailed,
  MeetingUpdated,
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
  copyMeetingId,
  desiredStateFromChange,
  normalizeDesiredState,
  type ChangedAspect,
  type DesiredState,
} from './desired-state.js';
import { MeetingCommandRejectedError, MeetingGoneError } from './errors.js';

// The meeting aggregate, Emmett style: evolve(state, event) folds a stream into state,
// decide(command, state) turns a command into events, nextStep(state, trigger) plans the
// Webex side effect. All three are pure; the kernel's handleCommand does the reading and
// appending, meeting-lifecycle.ts the Webex calls.

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
  /** What the request asked for; the Webex meeting is created from it. */
  readonly requested?: DesiredState;
  /** What Webex holds, as far as our stream knows. */
  readonly applied?: DesiredState;
  readonly webex?: WebexMeetingReference;
  readonly lastFailure?: { readonly reason: FailureReason; readonly retryable: boolean };
  /**
   * Some personal value in the stream could not be opened (its key was forgotten by the purge,
   * or it did not authenticate): `requested`/`applied` may be missing, so nothing may be sent
   * to Webex that depends on them.
   */
  readonly personalDataForgotten?: boolean;
  /**
   * The newest Google `updated` time of the calendar changes this stream applied (recorded with
   * the events they caused, see sourceTimes in foldMeeting). An older change is stale.
   */
  readonly sourceUpdatedAt?: string;
  /** Ids of the events that caused events in this stream: a redelivered trigger finds itself here. */
  readonly handledCauses: ReadonlySet<string>;
  /** The calendar events recorded as carrying our conference (ConferenceAttached), by attachmentKey. */
  readonly attachedConferences?: ReadonlySet<string>;
  /** MeetingEnded and MeetingDataPurged are each recorded once, whatever asks again. */
  readonly endRecorded?: boolean;
  readonly purgeRecorded?: boolean;
  /** Tombstoned by retention: it can never be read or written again (see tombstonedMeetingState). */
  readonly streamDeleted?: boolean;
}

export const initialMeetingState: MeetingState = { status: 'new', handledCauses: new Set() };

/** What a tombstoned stream stands for: the kernel reports it, it holds no events to fold. */
export const tombstonedMeetingState: MeetingState = {
  status: 'purged',
  handledCauses: new Set(),
  streamDeleted: true,
};

const attachmentKey = (attachment: { eventId: string; conferenceId: string }) =>
  `${attachment.eventId} ${attachment.conferenceId}`;

type Data<Contract> = DataOf<Contract>;
export type FailureReason = Data<typeof MeetingSchedulingFailed>['reason'];
export type CancelReason = Data<typeof MeetingCancelled>['reason'];
type CalendarChange = Data<typeof CalendarEventChanged>;

/** What a decision states, before decide wraps it in an envelope (ids, origin, time). */
export type MeetingFact =
  | { readonly type: 'MeetingRequested'; readonly data: Data<typeof MeetingRequested> }
  | { readonly type: 'MeetingScheduled'; readonly data: Data<typeof MeetingScheduled> }
  | { readonly type: 'MeetingUpdated'; readonly data: Data<typeof MeetingUpdated> }
  | { readonly type: 'MeetingCancelled'; readonly data: Data<typeof MeetingCancelled> }
  | { readonly type: 'MeetingSchedulingFailed'; readonly data: Data<typeof MeetingSchedulingFailed> }
  | { readonly type: 'ConferenceAttached'; readonly data: Data<typeof ConferenceAttached> }
  | { readonly type: 'MeetingEnded'; readonly data: Data<typeof MeetingEnded> }
  | { readonly type: 'MeetingDataPurged'; readonly data: Data<typeof MeetingDataPurged> };

const contracts = {
  MeetingRequested,
  MeetingScheduled,
  MeetingUpdated,
  MeetingCancelled,
  MeetingSchedulingFailed,
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
const anyRedacted = (...values: unknown[]) => values.some(isRedacted);

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
      tenantId: event.tenantId,
      userId: data.userId,
      source: data.source,
      ...(data.eventId ? { event: { calendarId: data.calendarId, eventId: data.eventId } } : {}),
      ...(forgotten ? { personalDataForgotten: true } : { requested: normalizeDesiredState(data) }),
    };
  }
  if (MeetingScheduled.is(event)) {
    const { webexMeetingId, meetingNumber, siteUrl, webLink } = event.data;
    return {
      ...next,
      status: 'scheduled',
      webex: { webexMeetingId, meetingNumber, siteUrl, webLink },
      ...(state.requested ? { applied: state.requested } : {}),
    };
  }
  if (ConferenceAttached.is(event))
    return {
      ...next,
      event: { calendarId: event.data.calendarId, eventId: event.data.eventId },
      attachedConferences: new Set([...(state.attachedConferences ?? []), attachmentKey(event.data)]),
    };
  if (MeetingUpdated.is(event)) {
    const { title, start, end, timeZone, invitees } = event.data;
    if (anyRedacted(title, invitees)) return { ...next, personalDataForgotten: true };
    return { ...next, applied: { title, start, end, timeZone, invitees } };
  }
  if (MeetingCancelled.is(event)) return { ...next, status: 'cancelled' };
  if (MeetingSchedulingFailed.is(event)) {
    const lastFailure = { reason: event.data.reason, retryable: event.data.retryable };
    // A meeting that exists keeps existing when an update is refused.
    return { ...next, status: state.status === 'requested' ? 'failed' : state.status, lastFailure };
  }
  if (MeetingEnded.is(event)) return { ...next, status: 'ended', endRecorded: true };
  if (MeetingDataPurged.is(event)) return { ...next, status: 'purged', purgeRecorded: true };
  return next;
}

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
      const changed = changedAspects(state.applied!, command.desired);
      if (changed.length === 0) return [];
      if (!command.webexResult && changed.some((aspect) => aspect !== 'invitees'))
        reject(state, command, 'a title or time change needs the Webex answer');
      return [
        {
          type: 'MeetingUpdated',
          data: {
            meetingId: state.meetingId!,
            webexMeetingId: state.webex!.webexMeetingId,
            ...command.desired,
            invitees: [...command.desired.invitees],
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
      if (state.endRecorded) return [];
      return [{ type: 'MeetingEnded', data: command.ending }];

    case 'RecordDataPurged':
      if (gone(state)) throw new MeetingGoneError(command.purge.meetingId, command.type);
      if (state.purgeRecorded) return [];
      return [{ type: 'MeetingDataPurged', data: command.purge }];
  }
}

export const meetingDecider: Decider<MeetingCommand, MeetingStreamEvent, MeetingState> = {
  decide,
  evolve,
  initialState: () => initialMeetingState,
};

// nextStep: what the trigger asks of Webex

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
  | 'personal-data-forgotten';

export type Step =
  | { readonly kind: 'create'; readonly desired: DesiredState }
  | {
      readonly kind: 'update';
      readonly desired: DesiredState;
      readonly changed: readonly ChangedAspect[];
      /** False when only invitees changed: Webex's PATCH cannot change those (docs/meeting-lifecycle.md). */
      readonly callWebex: boolean;
      readonly webexMeetingId: string;
    }
  | { readonly kind: 'delete'; readonly webexMeetingId: string | undefined; readonly reason: CancelReason }
  | { readonly kind: 'copy'; readonly request: Data<typeof MeetingRequested> }
  /** The change is about a copy of this meeting: handle it against the copy's stream. */
  | { readonly kind: 'redirect'; readonly meetingId: string }
  /** Refuse without calling Webex (e.g. a start in the past). */
  | { readonly kind: 'fail'; readonly reason: FailureReason; readonly message: string }
  /** The meeting is still being created: try again later (the transport naks and redelivers). */
  | { readonly kind: 'wait' }
  | { readonly kind: 'nothing'; readonly reason: NothingReason };

const minute = 60_000;
const startsInThePast = (desired: DesiredState, now: Date) =>
  Date.parse(desired.start) < Math.floor(now.getTime() / minute) * minute;
const pastStartMessage = 'the meeting would start in the past; Webex only schedules future meetings';

const finished = (status: MeetingStatus) =>
  status === 'cancelled' || status === 'ended' || status === 'purged';

/** A live change whose personal values were forgotten: its title and attendees are markers. */
const changeForgotten = (change: CalendarChange) =>
  change.change !== 'cancelled' && anyRedacted(change.title, change.attendees, change.organizerEmail);

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
  if (state.status === 'requested') return { kind: 'wait' };
  if (!state.event) return { kind: 'nothing', reason: 'event-not-linked' };

  const ownEvent = state.event.calendarId === change.calendarId && state.event.eventId === change.eventId;
  if (ownEvent) {
    // Redelivered after a newer change was applied (a nak sends a change to the back): applying
    // it would roll the meeting back.
    if (olderThan(change.updatedAt, state.sourceUpdatedAt)) return { kind: 'nothing', reason: 'stale' };
    // Deleting needs ids only, so it works even once the personal data is gone.
    if (change.change === 'cancelled')
      return { kind: 'delete', webexMeetingId: state.webex?.webexMeetingId, reason: 'event-deleted' };
    if (state.personalDataForgotten || !state.applied || changeForgotten(change))
      return { kind: 'nothing', reason: 'personal-data-forgotten' };
    if (!change.organizedByUser) return { kind: 'nothing', reason: 'not-organizer' };
    const desired = desiredStateFromChange(change);
    const changed = changedAspects(state.applied, desired);
    if (changed.length === 0) return { kind: 'nothing', reason: 'unchanged' };
    const callWebex = changed.some((aspect) => aspect !== 'invitees');
    if (callWebex && changed.includes('time') && startsInThePast(desired, now))
      return { kind: 'fail', reason: 'webex-rejected', message: pastStartMessage };
    return { kind: 'update', desired, changed, callWebex, webexMeetingId: state.webex!.webexMeetingId };
  }

  if (state.event.eventId === change.eventId) return { kind: 'nothing', reason: 'other-calendar' };
  // Instances of a recurring event ("<id>_20261126T090000Z") share its conference: they are not copies.
  if (change.eventId.startsWith(`${state.event.eventId}_`))
    return { kind: 'nothing', reason: 'recurring-instance' };
  if (trigger.redirected) return { kind: 'nothing', reason: 'other-calendar' };

  const copyId = copyMeetingId(state.meetingId!, change.calendarId, change.eventId);
  if (change.change === 'cancelled') return { kind: 'redirect', meetingId: copyId };
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
      ...desired,
      invitees: [...desired.invitees],
    },
  };
}
