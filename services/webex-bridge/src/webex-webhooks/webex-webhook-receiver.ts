import { randomUUID } from 'node:crypto';
import { lastOccurrenceEnd } from '@scheduler/contracts';
import { verifyWebexSignature } from '@scheduler/webex';
import type { Clock, DriftOutcome } from '../meetings/meeting-lifecycle.js';
import type { MeetingCommands } from '../meetings/meeting-commands.js';
import type { MeetingStreams } from '../meetings/meeting-stream.js';
import type { MeetingState } from '../meetings/meeting.decider.js';
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
 * While the service stops, a notification it would act on is answered 503, so that Webex
 * delivers it again (to another replica).
 */
export type ReceiveOutcome =
  | { readonly status: 200; readonly outcome: 'check-started' | 'recorded' | 'already-recorded' }
  | { readonly status: 200; readonly outcome: 'ignored'; readonly reason: string }
  | { readonly status: 400; readonly outcome: 'malformed'; readonly reason: string }
  | { readonly status: 401 | 403; readonly outcome: 'refused'; readonly reason: string }
  | { readonly status: 503; readonly outcome: 'stopping' };

export interface WebexWebhookReceiverOptions {
  /** Whose secret signs a webhook's notifications. */
  readonly registrations: Pick<WebhookRegistrations, 'secretOfWebhook'>;
  readonly repository: WebexWebhooksRepository;
  readonly meetings: MeetingStreams;
  readonly commands: MeetingCommands;
  /** The lifecycle's drift check of one meeting: compares it with Webex, under its row lock. */
  readonly checkDrift: (meetingId: string, userId: string) => Promise<DriftOutcome>;
  /** Told about a drift check that failed (nobody waits for it); ids only. */
  readonly onError?: (meetingId: string, error: unknown) => void;
  readonly clock?: Clock;
}

/**
 * Webex's meetings notifications. The signature (X-Spark-Signature: HMAC-SHA1 of the exact bytes
 * with the secret of the webhook the body names) is checked before anything is read or
 * recorded. A notification is a hint, as Google's push is: the periodic drift check and the
 * reconcile sweep stay the guarantee, so a lost notification only delays what they do.
 *
 * `updated` and `deleted` run the drift check of the meeting soon instead of at its next turn:
 * it finds what changed in Webex (MeetingDriftDetected{changed}, and the calendar's state applied
 * again) or that the meeting is gone there (MeetingDriftDetected{deleted}). Checks run after the
 * answer (Webex wants a quick one), one at a time: each holds a connection of the meetings pool
 * (its row lock) and may need a second, and that pool is sized for the reconciler and the event
 * handlers, so a burst of notifications (our own PATCHes after an outage send one each) must
 * not take it over. A meeting waits in the queue once, however many notifications name it, and
 * a notification that comes while its check runs makes it run once more.
 * `ended` records MeetingEnded{webex-webhook}.
 */
export class WebexWebhookReceiver {
  private readonly clock: Clock;
  /** Meetings waiting for their check (meeting id → user id), in arrival order. */
  private readonly queued = new Map<string, string>();
  /** The meeting being checked; `again`: a notification for it came meanwhile. */
  private running: { meetingId: string; again: boolean } | undefined;
  private worker: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: WebexWebhookReceiverOptions) {
    this.clock = options.clock ?? { now: () => new Date() };
  }

  /** Takes no more work, and waits for the running check (the queued ones are left to the periodic check). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }

  /** Resolves once no drift check asked for by a notification is queued or running. */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
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

    if (action.kind === 'ended' && seriesGoesOn(state, this.clock.now()))
      return ignored('an occurrence of a series ended; the series goes on');

    if (this.stopping) return { status: 503, outcome: 'stopping' };
    if (action.kind === 'check') {
      this.checkDriftSoon(meetingId, registration.userId);
      return { status: 200, outcome: 'check-started' };
    }
    const { outcome } = await this.options.commands.endMeeting({
      tenantId: state.tenantId,
      trace: { correlationId: `webex-webhook-${randomUUID()}`, causationId: null, traceparent: null },
      // Webex's notification does not carry when the meeting ended: it is sent as it ends.
      data: { meetingId, endedAt: this.clock.now().toISOString(), source: 'webex-webhook' },
    });
    return outcome === 'meeting-gone'
      ? ignored('meeting gone')
      : { status: 200, outcome: outcome === 'recorded' ? 'recorded' : 'already-recorded' };
  }

  private checkDriftSoon(meetingId: string, userId: string): void {
    if (this.running?.meetingId === meetingId) this.running.again = true;
    else this.queued.set(meetingId, userId);
    this.startWorker();
  }

  private startWorker(): void {
    if (this.worker || this.stopping) return;
    this.worker = this.work().finally(() => {
      this.worker = undefined;
      // A meeting queued between the loop's last look and here is not left waiting.
      if (this.queued.size > 0) this.startWorker();
    });
  }

  private async work(): Promise<void> {
    for (let next = this.nextQueued(); next && !this.stopping; next = this.nextQueued()) {
      const [meetingId, userId] = next;
      this.running = { meetingId, again: false };
      try {
        await this.options.checkDrift(meetingId, userId);
      } catch (error) {
        this.options.onError?.(meetingId, error);
      }
      if (this.running.again) this.queued.set(meetingId, userId);
      this.running = undefined;
    }
  }

  private nextQueued(): [string, string] | undefined {
    const next = this.queued.entries().next();
    if (next.done) return undefined;
    this.queued.delete(next.value[0]);
    return next.value;
  }
}

const ignored = (reason: string): ReceiveOutcome => ({ status: 200, outcome: 'ignored', reason });

function malformed(error: unknown): ReceiveOutcome {
  if (error instanceof MalformedNotificationError)
    return { status: 400, outcome: 'malformed', reason: error.reason };
  throw error;
}

/**
 * Webex notifies `ended` for every occurrence of a series; the meeting ends with its last one
 * (an open-ended series only when the calendar gives it an end or deletes it).
 */
function seriesGoesOn(state: MeetingState, now: Date): boolean {
  const held = state.applied ?? state.desired;
  if (!held?.recurrence) return false;
  const last = lastOccurrenceEnd(held);
  if (last.kind === 'open-ended') return true;
  const lastStart = Date.parse(last.end) - (Date.parse(held.end) - Date.parse(held.start));
  return now.getTime() < lastStart;
}
