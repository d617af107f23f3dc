import { z } from 'zod';
import {
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
} from '@scheduler/contracts';
import type { RecordedEvent } from '@scheduler/event-store';
import { defineProjection, type ProjectionResult } from '@scheduler/read-models';

export const meetingStatuses = [
  'requested',
  'scheduled',
  'attached',
  'updated',
  'cancelled',
  'failed',
  'ended',
  'purged',
] as const;
export type MeetingStatus = (typeof meetingStatuses)[number];

/** Statuses in which the calendar event still has (or is getting) a live meeting: a second one is refused. */
export const activeMeetingStatuses: readonly MeetingStatus[] = [
  'requested',
  'scheduled',
  'attached',
  'updated',
];
// A finished meeting stays finished: a late MeetingScheduled or ConferenceAttached must not revive it.
const finalStatuses: ReadonlySet<MeetingStatus> = new Set(['cancelled', 'ended', 'purged']);

/**
 * Whether Webex holds what the meeting should look like, as a front end shows it: `pending`
 * (being applied; with `nextAttemptAt` while Webex is unavailable), `waiting-for-reconnect`
 * (the user must connect `account` again; then it is applied), `converged`,
 * `deleted-in-webex` (someone deleted the Webex meeting in Webex; it is not re-created), or the
 * meeting's end: `failed` (cannot succeed; see `failure`), `cancelled`, `ended`, `purged`.
 */
export const syncStatuses = [
  'pending',
  'waiting-for-reconnect',
  'converged',
  'deleted-in-webex',
  'failed',
  'cancelled',
  'ended',
  'purged',
] as const;

export const MeetingSync = z.strictObject({
  status: z.enum(syncStatuses),
  nextAttemptAt: z.string().optional(),
  attempt: z.number().optional(),
  /** Why the last attempt did not reach Webex (e.g. webex-unavailable), while pending. */
  reason: z.string().optional(),
  account: z.string().optional(),
  /** A calendar change is recorded and not yet applied. */
  changePending: z.boolean().optional(),
});
export type MeetingSync = z.infer<typeof MeetingSync>;

export const MeetingView = z.strictObject({
  meetingId: z.string(),
  tenantId: z.string(),
  userId: z.string(),
  calendarId: z.string(),
  eventId: z.string().optional(),
  status: z.enum(meetingStatuses),
  title: z.string().optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  timeZone: z.string().optional(),
  joinLink: z.string().optional(),
  meetingNumber: z.string().optional(),
  sipAddress: z.string().optional(),
  failure: z
    .strictObject({ reason: z.string(), message: z.string().optional(), trackingId: z.string().optional() })
    .optional(),
  sync: MeetingSync.optional(),
  requestedAt: z.string(),
  updatedAt: z.string(),
});
export type MeetingView = z.infer<typeof MeetingView>;

const occurredAt = (event: RecordedEvent): string => {
  const value = event.metadata.occurredAt;
  return typeof value === 'string' ? value : event.recordedAt.toISOString();
};

/**
 * A personal field is copied only as plain text: once events are sealed (crypto-shredding),
 * a sealed value is an object and must never reach the read model as if it were the title.
 */
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function withoutPersonalData(view: MeetingView): MeetingView {
  const {
    title: _title,
    joinLink: _joinLink,
    meetingNumber: _number,
    sipAddress: _sip,
    failure,
    ...rest
  } = view;
  return { ...rest, ...(failure ? { failure: { reason: failure.reason } } : {}) };
}

/** Pure: (meeting view, meeting event) -> meeting view. Unknown and out-of-order events leave it unchanged. */
export function projectMeeting(
  view: MeetingView | undefined,
  event: RecordedEvent,
): ProjectionResult<MeetingView> {
  const next = projectLifecycle(view, event);
  if (next === undefined || next === 'delete') return next;
  const sync = nextSync(view?.sync, next, event);
  return sync ? { ...next, sync } : next;
}

/** The sync status after an event, from the meeting's (new) status and the sync facts. */
function nextSync(
  current: MeetingSync | undefined,
  view: MeetingView,
  event: RecordedEvent,
): MeetingSync | undefined {
  const data = event.data as Record<string, unknown>;
  const pendingChange = current?.changePending ? { changePending: true } : {};
  if (
    view.status === 'cancelled' ||
    view.status === 'ended' ||
    view.status === 'purged' ||
    view.status === 'failed'
  )
    return { status: view.status };
  if (MeetingRequested.is(event) || MeetingRetryRequested.is(event)) return { status: 'pending' };
  if (MeetingChangeRequested.is(event) || MeetingCancellationRequested.is(event))
    return { status: 'pending', changePending: true };
  if (MeetingSyncDeferred.is(event))
    return {
      status: 'pending',
      nextAttemptAt: String(data.nextAttemptAt),
      attempt: Number(data.attempt),
      reason: String(data.reason),
      ...pendingChange,
    };
  if (MeetingReconnectRequired.is(event))
    return { status: 'waiting-for-reconnect', account: String(data.account), ...pendingChange };
  // Changed in Webex: the calendar's state is being applied again.
  if (MeetingDriftDetected.is(event))
    return data.found === 'deleted'
      ? { status: 'deleted-in-webex' }
      : { status: 'pending', changePending: true };
  // A change recorded while the meeting was being created is applied right after the create.
  if (MeetingScheduled.is(event))
    return current?.changePending ? { status: 'pending', changePending: true } : { status: 'converged' };
  // An update applies the newest desired state; a refused one is given up (see failure).
  if (MeetingUpdated.is(event) || MeetingSchedulingFailed.is(event)) return { status: 'converged' };
  return current;
}

function projectLifecycle(
  view: MeetingView | undefined,
  event: RecordedEvent,
): ProjectionResult<MeetingView> {
  const data = event.data as Record<string, unknown>;
  const at = occurredAt(event);
  if (MeetingRequested.is(event)) {
    if (view) return undefined; // the stream is created with no_stream: a second one is a replay
    const tenantId = event.metadata.tenantId;
    if (typeof tenantId !== 'string') return undefined;
    const title = text(data.title);
    return {
      meetingId: String(data.meetingId),
      tenantId,
      userId: String(data.userId),
      calendarId: String(data.calendarId),
      ...(typeof data.eventId === 'string' ? { eventId: data.eventId } : {}),
      status: 'requested',
      ...(title !== undefined ? { title } : {}),
      start: String(data.start),
      end: String(data.end),
      timeZone: String(data.timeZone),
      requestedAt: at,
      updatedAt: at,
    };
  }
  // Without its MeetingRequested the meeting cannot be scoped to a user: it is not shown at all.
  if (!view) return undefined;
  if (MeetingDataPurged.is(event)) return { ...withoutPersonalData(view), status: 'purged', updatedAt: at };
  if (view.status === 'purged') return undefined;
  if (MeetingEnded.is(event)) return { ...view, status: 'ended', updatedAt: at };
  if (MeetingCancelled.is(event)) {
    if (view.status === 'ended') return undefined;
    return { ...view, status: 'cancelled', updatedAt: at };
  }
  if (finalStatuses.has(view.status)) return undefined;
  if (MeetingScheduled.is(event)) {
    const sipAddress = text(data.sipAddress);
    const { failure: _earlierFailure, ...rest } = view;
    return {
      ...rest,
      // Attachment can be recorded first when the two services race; keep the further status.
      status: view.status === 'attached' || view.status === 'updated' ? view.status : 'scheduled',
      joinLink: String(data.webLink),
      meetingNumber: String(data.meetingNumber),
      ...(sipAddress !== undefined ? { sipAddress } : {}),
      updatedAt: at,
    };
  }
  if (ConferenceAttached.is(event)) {
    return {
      ...view,
      status: view.status === 'updated' ? 'updated' : 'attached',
      calendarId: String(data.calendarId),
      eventId: String(data.eventId),
      updatedAt: at,
    };
  }
  if (MeetingUpdated.is(event)) {
    const title = text(data.title);
    return {
      ...view,
      status: 'updated',
      ...(title !== undefined ? { title } : {}),
      start: String(data.start),
      end: String(data.end),
      timeZone: String(data.timeZone),
      updatedAt: at,
    };
  }
  if (
    MeetingChangeRequested.is(event) ||
    MeetingCancellationRequested.is(event) ||
    MeetingSyncDeferred.is(event) ||
    MeetingReconnectRequired.is(event) ||
    MeetingDriftDetected.is(event)
  )
    return { ...view, updatedAt: at };
  // Tried again: requested as at first, the failure behind it.
  if (MeetingRetryRequested.is(event)) {
    if (view.status !== 'failed') return undefined;
    const { failure: _retried, ...rest } = view;
    return { ...rest, status: 'requested', updatedAt: at };
  }
  if (MeetingSchedulingFailed.is(event)) {
    const trackingId = text(data.webexTrackingId);
    return {
      ...view,
      status: 'failed',
      failure: {
        reason: String(data.reason),
        message: String(data.message),
        ...(trackingId !== undefined ? { trackingId } : {}),
      },
      updatedAt: at,
    };
  }
  return undefined;
}

/** The gateway's `meetings` read model: one document per meeting, queried per user and calendar event. */
export const meetingsProjection = defineProjection<MeetingView>({
  name: 'gateway-meetings',
  collection: {
    name: 'meetings',
    indexes: {
      tenantId: 'string',
      userId: 'string',
      calendarId: 'string',
      eventId: 'string',
      status: 'string',
      // The audit page finds a tenant's meetings by the day they start.
      start: 'string',
    },
    schema: MeetingView,
  },
  filter: { categories: ['meeting'] },
  documentId: (event) => (typeof event.data.meetingId === 'string' ? event.data.meetingId : undefined),
  project: projectMeeting,
});
