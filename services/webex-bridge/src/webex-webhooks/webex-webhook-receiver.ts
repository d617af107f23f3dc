import { randomUUID } from 'node:crypto';
import { verifyWebexSignature } from '@scheduler/webex';
import type { Clock } from '../meetings/meeting-lifecycle.js';
import type { MeetingCommands } from '../meetings/meeting-commands.js';
import type { MeetingStreams } from '../meetings/meeting-stream.js';
import type { MeetingSyncRepository } from '../meetings/meeting-sync.repository.js';
import {
  MalformedNotificationError,
  notificationAction,
  parseNotificationBody,
  webhookIdOf,
} from './meeting-notification.js';
import type { WebhookRegistrations } from './webhook-registrations.js';
import type { WebexWebhooksRepository } from './webex-webhooks.repository.js';

/**
 * What a notification came to, and the HTTP status Webex gets. Webex retries a non-2xx answer,
 * so everything we cannot use but could not have prevented (an unknown webhook or meeting, a
 * meeting of another user, a finished meeting) is acknowledged: retrying would not change it.
 */
export type ReceiveOutcome =
  | { readonly status: 200; readonly outcome: 'made-due' | 'recorded' | 'already-recorded' }
  | { readonly status: 200; readonly outcome: 'ignored'; readonly reason: string }
  | { readonly status: 400; readonly outcome: 'malformed'; readonly reason: string }
  | { readonly status: 401 | 403; readonly outcome: 'refused'; readonly reason: string };

export interface WebexWebhookReceiverOptions {
  /** Whose secret signs a webhook's notifications. */
  readonly registrations: Pick<WebhookRegistrations, 'secretOfWebhook'>;
  readonly repository: WebexWebhooksRepository;
  readonly meetings: MeetingStreams;
  readonly sync: MeetingSyncRepository;
  readonly commands: MeetingCommands;
  /** Starts a reconcile sweep now (the reconciler's sweepNow). */
  readonly sweepNow: () => void;
  readonly clock?: Clock;
}

/**
 * Webex's meetings notifications. The signature (X-Spark-Signature: HMAC-SHA1 of the exact bytes
 * with the secret of the webhook the body names) is checked before anything is read or
 * recorded. A notification is a hint, as Google's push is: the reconcile sweep stays the
 * guarantee, so a lost notification only delays what the sweep or the next change does.
 */
export class WebexWebhookReceiver {
  private readonly clock: Clock;

  constructor(private readonly options: WebexWebhookReceiverOptions) {
    this.clock = options.clock ?? { now: () => new Date() };
  }

  async receive(rawBody: Buffer | undefined, signature: string | undefined): Promise<ReceiveOutcome> {
    let body: unknown;
    let webhookId: string;
    try {
      if (!rawBody || rawBody.length === 0) throw new MalformedNotificationError('the body is empty');
      body = parseNotificationBody(rawBody);
      webhookId = webhookIdOf(body);
    } catch (error) {
      return malformed(error);
    }
    const registration = await this.options.registrations.secretOfWebhook(webhookId);
    if (!registration) return ignored('unknown webhook');
    if (!signature) return { status: 401, outcome: 'refused', reason: 'no X-Spark-Signature' };
    if (!verifyWebexSignature(rawBody, signature, registration.secret))
      return { status: 403, outcome: 'refused', reason: 'the signature does not match' };

    let action;
    try {
      action = notificationAction(body);
    } catch (error) {
      return malformed(error);
    }
    if (action.kind === 'ignored') return ignored(action.reason);
    const meetingId = await this.options.repository.meetingOf(action.webexMeetingId);
    if (!meetingId) return ignored('unknown meeting');
    const state = await this.options.meetings.read(meetingId);
    // Only the meeting's own user's webhook speaks for it.
    if (state.userId !== registration.userId || !state.tenantId) return ignored('another user');
    // A meeting that ran over its scheduled end was recorded ended by retention first: Webex's
    // real end still counts. Anything else is only for a meeting that is live.
    const live = state.status === 'requested' || state.status === 'scheduled';
    if (!live && !(action.kind === 'ended' && state.status === 'ended'))
      return ignored(`${state.status} meeting`);

    const now = this.clock.now();
    if (action.kind === 'reconcile') {
      await this.options.sync.markDue(meetingId, registration.userId, now);
      this.options.sweepNow();
      return { status: 200, outcome: 'made-due' };
    }
    const request = {
      tenantId: state.tenantId,
      trace: { correlationId: `webex-webhook-${randomUUID()}`, causationId: null, traceparent: null },
    };
    const { outcome } =
      action.kind === 'deleted'
        ? await this.options.commands.recordWebexMeetingDeleted({
            ...request,
            data: { meetingId, webexMeetingId: action.webexMeetingId, deletedAt: now.toISOString() },
          })
        : await this.options.commands.endMeeting({
            ...request,
            // Webex's notification does not carry when the meeting ended: it is sent as it ends.
            data: { meetingId, endedAt: now.toISOString(), source: 'webex-webhook' },
          });
    return outcome === 'meeting-gone'
      ? ignored('meeting gone')
      : { status: 200, outcome: outcome === 'recorded' ? 'recorded' : 'already-recorded' };
  }
}

const ignored = (reason: string): ReceiveOutcome => ({ status: 200, outcome: 'ignored', reason });

function malformed(error: unknown): ReceiveOutcome {
  if (error instanceof MalformedNotificationError)
    return { status: 400, outcome: 'malformed', reason: error.reason };
  throw error;
}
