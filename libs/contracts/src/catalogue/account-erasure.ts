import { z } from 'zod';
import { defineCommand, defineEvent } from '../define.js';
import { Instant, MeetingId, TenantId, UserId } from '../primitives.js';

/**
 * A user's erasure (the gateway's `DELETE /v1/me`), on `accountErasure-<userId>`. Its one writer
 * is webex-bridge, which already writes the meeting streams the erasure cancels and runs a relay;
 * google-ingest and retention ask it to record their steps, as retention does for a meeting's
 * purge. No personal data: ids, choices and times only.
 *
 * The steps run in order, each started by the previous one's event, so a crash anywhere
 * resumes from the last recorded step: webex-bridge (meetings, Webex tokens, its rows) →
 * google-ingest (watch channels, Google tokens, its rows) → retention (the keys) → AccountErased.
 */
export const FutureMeetings = z.enum(['cancel', 'keep']);

const CATEGORY = 'accountErasure';

export const AccountErasureRequested = defineEvent({
  type: 'AccountErasureRequested',
  producer: 'webex-bridge',
  category: CATEGORY,
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    /** `cancel`: the user's meetings that have not ended are cancelled (Webex meeting deleted, conference taken off); `keep`: left as they are, no longer managed. */
    futureMeetings: FutureMeetings,
    requestedAt: Instant,
  }),
});

/**
 * A service finished its part of the erasure. `webex-bridge`: the meetings to cancel are
 * cancelled (or could not be, see `uncancelledMeetingIds`), the Webex tokens and the user's rows
 * are deleted; it names every meeting of the user, whose keys retention destroys.
 * `google-ingest`: watch channels stopped, Google grant revoked, its rows deleted.
 */
export const AccountErasureStepCompleted = defineEvent({
  type: 'AccountErasureStepCompleted',
  producer: 'webex-bridge',
  category: CATEGORY,
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    step: z.enum(['webex-bridge', 'google-ingest']),
    completedAt: Instant,
    /** webex-bridge's step: every meeting the user requested. */
    meetingIds: z.array(MeetingId).max(100_000).optional(),
    /** webex-bridge's step: meetings whose cancellation Webex did not confirm in time (e.g. Webex needed a reconnect). */
    uncancelledMeetingIds: z.array(MeetingId).max(100_000).optional(),
  }),
});

/** retention destroyed the user's key and the keys of their meetings: the erasure is complete. */
export const AccountErased = defineEvent({
  type: 'AccountErased',
  producer: 'webex-bridge',
  category: CATEGORY,
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    erasedAt: Instant,
    meetingsPurged: z.number().int().min(0),
  }),
});

const CommandTrace = z.strictObject({
  correlationId: z.string().min(1).max(128),
  causationId: z.string().min(1).max(128).nullable(),
  traceparent: z.string().min(1).max(128).nullable(),
});

const Position = z.string().regex(/^\d+\/\d+$/);

/**
 * The gateway: the user asks to be erased. `already-requested`: an erasure is under way (its
 * choice stands); `already-erased`: nothing is left to erase.
 */
export const EraseAccount = defineCommand({
  name: 'EraseAccount',
  service: 'webex-bridge',
  action: 'erase-account',
  sentBy: ['gateway'],
  schemaVersion: 1,
  request: z.strictObject({
    tenantId: TenantId,
    userId: UserId,
    futureMeetings: FutureMeetings,
    trace: CommandTrace,
  }),
  response: z.discriminatedUnion('outcome', [
    z.strictObject({ outcome: z.literal('requested'), position: Position, requestedAt: Instant }),
    z.strictObject({
      outcome: z.literal('already-requested'),
      futureMeetings: FutureMeetings,
      requestedAt: Instant,
    }),
    z.strictObject({ outcome: z.literal('already-erased'), erasedAt: Instant }),
  ]),
});

/** google-ingest finished its step. `not-requested`: no erasure of this user is under way. */
export const RecordAccountErasureStep = defineCommand({
  name: 'RecordAccountErasureStep',
  service: 'webex-bridge',
  action: 'record-account-erasure-step',
  sentBy: ['google-ingest'],
  schemaVersion: 1,
  request: z.strictObject({
    tenantId: TenantId,
    userId: UserId,
    step: z.literal('google-ingest'),
    trace: CommandTrace,
  }),
  response: z.strictObject({ outcome: z.enum(['recorded', 'already-recorded', 'not-requested']) }),
});

/**
 * retention destroyed the keys. `not-ready`: the erasure's earlier steps are not recorded (the
 * event states a fact, so it is refused rather than recorded early).
 */
export const RecordAccountErased = defineCommand({
  name: 'RecordAccountErased',
  service: 'webex-bridge',
  action: 'record-account-erased',
  sentBy: ['retention'],
  schemaVersion: 1,
  request: z.strictObject({
    tenantId: TenantId,
    userId: UserId,
    erasedAt: Instant,
    meetingsPurged: z.number().int().min(0),
    trace: CommandTrace,
  }),
  response: z.strictObject({ outcome: z.enum(['recorded', 'already-recorded', 'not-ready']) }),
});
