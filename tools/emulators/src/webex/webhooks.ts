import { createHmac, randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { sendWebexError } from './errors.js';
import { callerOf } from './oauth.js';
import type { MeetingEvent } from './meetings.js';
import { sparkId, type StoredMeeting, type StoredWebhook, type WebexState } from './state.js';
import { formatInZone } from './time-zones.js';

const resources = [
  'attachmentActions',
  'dataSources',
  'memberships',
  'messages',
  'rooms',
  'meetings',
  'recordings',
  'convergedRecordings',
  'meetingParticipants',
  'meetingTranscripts',
  'telephony_calls',
  'telephony_conference',
  'telephony_mwi',
  'uc_counters',
  'serviceApp',
  'adminBatchJobs',
];
const events = [
  'created',
  'updated',
  'deleted',
  'started',
  'ended',
  'joined',
  'left',
  'migrated',
  'authorized',
  'deauthorized',
  'statusChanged',
  'all',
];

export interface WebhookDeliveryAttempt {
  at: string;
  status?: number;
  error?: string;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  targetUrl: string;
  resource: string;
  event: string;
  meetingId: string;
  /** The exact bytes sent, so tests can check the signature themselves. */
  body: string;
  signature?: string;
  attempts: WebhookDeliveryAttempt[];
  outcome: 'pending' | 'delivered' | 'failed';
}

export interface WebhookSettings {
  /** Waits between attempts after a 5xx or a network error; one more attempt than entries. */
  retryDelaysMs: number[];
  timeoutMs: number;
}

function renderWebhook(webhook: StoredWebhook) {
  return {
    id: webhook.id,
    name: webhook.name,
    targetUrl: webhook.targetUrl,
    resource: webhook.resource,
    event: webhook.event,
    ...(webhook.filter !== undefined ? { filter: webhook.filter } : {}),
    ...(webhook.secret !== undefined ? { secret: webhook.secret } : {}),
    status: webhook.status,
    created: webhook.created,
    ownedBy: 'creator',
  };
}

function isHttpUrl(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Sends signed meeting events to the registered target URLs, retrying 5xx with backoff. */
export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(
    private readonly state: WebexState,
    private readonly settings: WebhookSettings,
  ) {}

  meetingEvent(event: MeetingEvent, meeting: StoredMeeting): void {
    for (const webhook of this.state.webhooks.values()) {
      if (webhook.status !== 'active' || webhook.resource !== 'meetings') continue;
      if (webhook.event !== event && webhook.event !== 'all') continue;
      if (webhook.ownerUserId !== meeting.hostUserId) continue;
      this.deliver(webhook, event, meeting);
    }
  }

  private deliver(webhook: StoredWebhook, event: MeetingEvent, meeting: StoredMeeting): void {
    if (this.closed) return;
    const host = this.state.users.get(meeting.hostUserId)!;
    // Events about a run of the meeting name the instance and point back at the series.
    const instance = (event === 'started' || event === 'ended') && meeting.instanceId;
    const payload = {
      id: webhook.id,
      name: webhook.name,
      targetUrl: webhook.targetUrl,
      resource: 'meetings',
      event,
      ...(webhook.filter !== undefined ? { filter: webhook.filter } : {}),
      orgId: this.state.orgId,
      createdBy: host.id,
      appId: sparkId('APPLICATION', webhook.clientId),
      ownedBy: 'creator',
      status: 'active',
      created: webhook.created,
      actorId: host.id,
      data: {
        id: instance || meeting.id,
        ...(instance ? { meetingSeriesId: meeting.id } : {}),
        meetingType: instance ? 'meeting' : 'meetingSeries',
        siteUrl: meeting.siteUrl,
        hostUserId: host.id,
        hostEmail: host.email,
        state: instance ? (event === 'ended' ? 'ended' : 'inProgress') : meeting.state,
        timezone: meeting.timezone,
        start: formatInZone(meeting.startMs, meeting.timezone),
        end: formatInZone(meeting.endMs, meeting.timezone),
      },
    };
    const body = JSON.stringify(payload);
    const delivery: WebhookDelivery = {
      id: randomUUID(),
      webhookId: webhook.id,
      targetUrl: webhook.targetUrl,
      resource: 'meetings',
      event,
      meetingId: meeting.id,
      body,
      ...(webhook.secret !== undefined
        ? { signature: createHmac('sha1', webhook.secret).update(body).digest('hex') }
        : {}),
      attempts: [],
      outcome: 'pending',
    };
    this.deliveries.push(delivery);
    this.track(this.attempt(delivery, 0));
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async attempt(delivery: WebhookDelivery, attemptIndex: number): Promise<void> {
    let retry = false;
    try {
      const answer = await fetch(delivery.targetUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(delivery.signature !== undefined ? { 'x-spark-signature': delivery.signature } : {}),
        },
        body: delivery.body,
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      await answer.arrayBuffer().catch(() => undefined);
      delivery.attempts.push({ at: this.state.clock.now().toISOString(), status: answer.status });
      if (answer.status >= 500) retry = true;
      else delivery.outcome = answer.status < 300 ? 'delivered' : 'failed';
    } catch (error) {
      delivery.attempts.push({
        at: this.state.clock.now().toISOString(),
        error: error instanceof Error ? error.message : String(error),
      });
      retry = true;
    }
    if (!retry) return;
    const delay = this.settings.retryDelaysMs[attemptIndex];
    if (delay === undefined) {
      delivery.outcome = 'failed';
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve();
      }, delay);
      this.waits.set(timer, resolve);
    });
    if (this.closed) {
      delivery.outcome = 'failed';
      return;
    }
    await this.attempt(delivery, attemptIndex + 1);
  }

  /** Resolves when every delivery started so far has been delivered or has given up. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops retrying; pending deliveries end as failed. */
  close(): void {
    this.closed = true;
    for (const [timer, resolve] of this.waits) {
      clearTimeout(timer);
      resolve();
    }
    this.waits.clear();
  }
}

export function webhookRoutes(state: WebexState): Router {
  const router = express.Router();

  const own = (request: Request, response: Response): StoredWebhook | undefined => {
    const webhook = state.webhooks.get(String(request.params.webhookId));
    if (!webhook || webhook.ownerUserId !== callerOf(response).user.id) {
      sendWebexError(response, 404, 'The requested resource could not be found.');
      return undefined;
    }
    return webhook;
  };

  router.post('/v1/webhooks', (request, response) => {
    const caller = callerOf(response);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const errors: string[] = [];
    if (typeof body.name !== 'string' || body.name.trim() === '') errors.push('name is required.');
    if (!isHttpUrl(body.targetUrl)) errors.push('targetUrl must be an http(s) URL.');
    if (typeof body.resource !== 'string' || !resources.includes(body.resource))
      errors.push('resource is invalid.');
    if (typeof body.event !== 'string' || !events.includes(body.event)) errors.push('event is invalid.');
    if (body.secret !== undefined && typeof body.secret !== 'string') errors.push('secret must be a string.');
    if (body.filter !== undefined && typeof body.filter !== 'string') errors.push('filter must be a string.');
    if (errors.length > 0) return sendWebexError(response, 400, errors[0]!, errors);
    const webhook: StoredWebhook = {
      id: sparkId('WEBHOOK'),
      ownerUserId: caller.user.id,
      clientId: caller.clientId,
      name: body.name as string,
      targetUrl: body.targetUrl as string,
      resource: body.resource as string,
      event: body.event as string,
      ...(typeof body.filter === 'string' ? { filter: body.filter } : {}),
      ...(typeof body.secret === 'string' ? { secret: body.secret } : {}),
      status: 'active',
      created: state.clock.now().toISOString(),
    };
    state.webhooks.set(webhook.id, webhook);
    response.json(renderWebhook(webhook));
  });

  router.get('/v1/webhooks', (request, response) => {
    const caller = callerOf(response);
    const max = request.query.max === undefined ? 100 : Number(request.query.max);
    if (!Number.isInteger(max) || max < 1)
      return sendWebexError(response, 400, 'max must be a positive integer.');
    const items = [...state.webhooks.values()]
      .filter((webhook) => webhook.ownerUserId === caller.user.id)
      .slice(0, max);
    response.json({ items: items.map(renderWebhook) });
  });

  router.get('/v1/webhooks/:webhookId', (request, response) => {
    const webhook = own(request, response);
    if (webhook) response.json(renderWebhook(webhook));
  });

  router.put('/v1/webhooks/:webhookId', (request, response) => {
    const webhook = own(request, response);
    if (!webhook) return;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body.name !== 'string' || !isHttpUrl(body.targetUrl))
      return sendWebexError(response, 400, 'name and targetUrl are required.');
    webhook.name = body.name;
    webhook.targetUrl = body.targetUrl;
    if (typeof body.secret === 'string') webhook.secret = body.secret;
    if (body.status === 'active') webhook.status = 'active';
    response.json(renderWebhook(webhook));
  });

  router.delete('/v1/webhooks/:webhookId', (request, response) => {
    const webhook = own(request, response);
    if (!webhook) return;
    state.webhooks.delete(webhook.id);
    response.status(204).end();
  });

  return router;
}
