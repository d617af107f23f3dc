import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { EmulatorClock } from '../core/clock.js';
import { GoogleHttpError } from './errors.js';

export interface Channel {
  id: string;
  resourceId: string;
  resourceUri: string;
  token?: string;
  address: string;
  expirationMs: number;
  calendarId: string;
  ownerEmail: string;
  clientId: string;
  messageNumber: number;
  stopped: boolean;
}

export interface NotificationRecord {
  channelId: string;
  address: string;
  messageNumber: number;
  resourceState: 'sync' | 'exists';
  headers: Record<string, string>;
  dropped: boolean;
  delivered: boolean;
  /** One entry per delivery attempt: the receiver's status, or the network error. */
  attempts: Array<{ at: string; status?: number; error?: string }>;
}

export interface PushOptions {
  /** Delay before the first retry of a 5xx; doubles each time (real Google backs off for minutes). */
  retryBaseDelayMs: number;
  maxAttempts: number;
  deliveryTimeoutMs: number;
}

const defaultTtlSeconds = 604_800;
const retryableStatuses = new Set([500, 502, 503, 504]);

/**
 * Watch channels and their notifications: a POST without a body carrying Google's X-Goog-*
 * headers, sent to every live channel of a calendar on each change.
 */
export class PushNotifier {
  private readonly channels = new Map<string, Channel>();
  private readonly notifications: NotificationRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private dropNextCount = 0;
  private readonly closing = new AbortController();

  constructor(
    private readonly clock: EmulatorClock,
    private readonly options: PushOptions,
  ) {}

  createChannel(input: {
    id: string;
    address: string;
    token?: string;
    expirationMs?: number;
    ttlSeconds?: number;
    calendarId: string;
    ownerEmail: string;
    clientId: string;
    resourceUri: string;
  }): Channel {
    if (!input.id || input.id.length > 64 || !/^[A-Za-z0-9\-_+/=]+$/.test(input.id))
      throw new GoogleHttpError(400, 'invalid', 'Invalid channel id.');
    if (this.channels.has(input.id))
      throw new GoogleHttpError(400, 'channelIdNotUnique', `Channel id ${input.id} not unique`);
    if ((input.token?.length ?? 0) > 256)
      throw new GoogleHttpError(400, 'invalid', 'Channel token too long.');
    let address: URL;
    try {
      address = new URL(input.address);
    } catch {
      throw new GoogleHttpError(
        400,
        'push.webhookUrlNotHttps',
        'WebHook callback must be HTTPS: ' + input.address,
      );
    }
    // Google demands HTTPS with a valid certificate; loopback http is allowed here so tests can listen.
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(address.hostname);
    if (address.protocol !== 'https:' && !(address.protocol === 'http:' && loopback))
      throw new GoogleHttpError(
        400,
        'push.webhookUrlNotHttps',
        'WebHook callback must be HTTPS: ' + input.address,
      );
    const now = this.clock.nowMs();
    const expirationMs = input.expirationMs ?? now + (input.ttlSeconds ?? defaultTtlSeconds) * 1000;
    if (expirationMs <= now) throw new GoogleHttpError(400, 'invalid', 'Channel expiration is in the past.');
    const channel: Channel = {
      id: input.id,
      resourceId: randomBytes(20).toString('base64url'),
      resourceUri: input.resourceUri,
      ...(input.token !== undefined ? { token: input.token } : {}),
      address: input.address,
      expirationMs,
      calendarId: input.calendarId,
      ownerEmail: input.ownerEmail,
      clientId: input.clientId,
      messageNumber: 0,
      stopped: false,
    };
    this.channels.set(channel.id, channel);
    this.send(channel, 'sync');
    return channel;
  }

  stopChannel(input: { id: string; resourceId: string; email: string; clientId: string }): void {
    const channel = this.channels.get(input.id);
    // Only the user and OAuth client that created a channel may stop it; to anyone else it does not exist.
    if (
      !channel ||
      channel.stopped ||
      channel.resourceId !== input.resourceId ||
      channel.ownerEmail !== input.email ||
      channel.clientId !== input.clientId
    )
      throw new GoogleHttpError(404, 'notFound', `Channel '${input.id}' not found for project`);
    channel.stopped = true;
  }

  calendarChanged(calendarId: string): void {
    const now = this.clock.nowMs();
    for (const channel of this.channels.values())
      if (channel.calendarId === calendarId && !channel.stopped && channel.expirationMs > now)
        this.send(channel, 'exists');
  }

  dropNext(count: number): void {
    this.dropNextCount += count;
  }

  listChannels(): Channel[] {
    const now = this.clock.nowMs();
    return [...this.channels.values()].map((channel) => ({
      ...channel,
      expired: channel.expirationMs <= now,
    }));
  }

  listNotifications(filter: { channelId?: string } = {}): NotificationRecord[] {
    return this.notifications.filter((record) => !filter.channelId || record.channelId === filter.channelId);
  }

  clearNotifications(): void {
    this.notifications.length = 0;
  }

  /** Waits for deliveries in flight; used on shutdown. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private send(channel: Channel, resourceState: 'sync' | 'exists'): void {
    // The sync message is always number 1; later numbers grow, but not by 1.
    channel.messageNumber =
      resourceState === 'sync' ? 1 : channel.messageNumber + 1 + Math.floor(Math.random() * 7) + 1;
    const headers: Record<string, string> = {
      'X-Goog-Channel-ID': channel.id,
      'X-Goog-Message-Number': String(channel.messageNumber),
      'X-Goog-Resource-ID': channel.resourceId,
      'X-Goog-Resource-State': resourceState,
      'X-Goog-Resource-URI': channel.resourceUri,
      'X-Goog-Channel-Expiration': new Date(channel.expirationMs).toUTCString(),
      ...(channel.token !== undefined ? { 'X-Goog-Channel-Token': channel.token } : {}),
    };
    const record: NotificationRecord = {
      channelId: channel.id,
      address: channel.address,
      messageNumber: channel.messageNumber,
      resourceState,
      headers,
      dropped: false,
      delivered: false,
      attempts: [],
    };
    this.notifications.push(record);
    if (this.dropNextCount > 0) {
      this.dropNextCount -= 1;
      record.dropped = true;
      return;
    }
    const delivery = this.deliver(record).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  private async deliver(record: NotificationRecord): Promise<void> {
    // Deliver after the API response that caused it, as Google does.
    await new Promise((resolve) => setImmediate(resolve));
    const closing = this.closing.signal;
    for (let attempt = 1; attempt <= this.options.maxAttempts && !closing.aborted; attempt++) {
      const at = new Date().toISOString();
      try {
        const response = await fetch(record.address, {
          method: 'POST',
          headers: record.headers,
          signal: AbortSignal.any([AbortSignal.timeout(this.options.deliveryTimeoutMs), closing]),
        });
        await response.body?.cancel();
        record.attempts.push({ at, status: response.status });
        if (!retryableStatuses.has(response.status)) {
          record.delivered = response.status < 300 || response.status === 102;
          return;
        }
      } catch (error) {
        record.attempts.push({ at, error: error instanceof Error ? error.message : String(error) });
      }
      if (attempt < this.options.maxAttempts)
        await delay(this.options.retryBaseDelayMs * 2 ** (attempt - 1), undefined, { signal: closing }).catch(
          () => undefined,
        );
    }
  }
}
