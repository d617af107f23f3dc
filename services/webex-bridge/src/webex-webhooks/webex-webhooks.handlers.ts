import { Controller, Inject, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnEvent } from '@scheduler/bus';
import {
  AccountDisconnected,
  MeetingScheduled,
  WebexAccountConnected,
  type EventOf,
} from '@scheduler/contracts';
import { ReauthorizationRequired } from '@scheduler/webex';
import { WebhookRegistrations } from './webhook-registrations.js';
import { WebexWebhooksRepository } from './webex-webhooks.repository.js';

/**
 * A handler group of its own: the transport runs one handler per event type and group, and the
 * meetings feature already handles WebexAccountConnected in the service's default group.
 */
export const webexWebhooksHandlerGroup = 'webex-bridge-webhooks';

/**
 * Keeps the webhooks and the Webex meeting links up to date from the bus. A Webex failure is
 * thrown (nak, redelivery with a growing delay); a user without a usable authorization is
 * acknowledged, as retrying cannot help (the next connect registers again).
 */
@Controller()
export class WebexWebhooksHandlers {
  private readonly logger = new Logger(WebexWebhooksHandlers.name);

  constructor(
    @Inject(WebhookRegistrations) private readonly registrations: WebhookRegistrations | null,
    @Inject(WebexWebhooksRepository) private readonly repository: WebexWebhooksRepository,
  ) {}

  @OnEvent(WebexAccountConnected, { group: webexWebhooksHandlerGroup })
  async webexAccountConnected(@Payload() event: EventOf<typeof WebexAccountConnected>): Promise<void> {
    if (!this.registrations) return;
    try {
      const outcome = await this.registrations.register(event.data.userId);
      this.logger.debug(`${event.type} ${event.id}: meetings webhook ${outcome}`);
    } catch (error) {
      if (!(error instanceof ReauthorizationRequired)) throw error;
      this.logger.warn(`${event.type} ${event.id}: no usable Webex authorization to register the webhook`);
    }
  }

  @OnEvent(AccountDisconnected, { group: webexWebhooksHandlerGroup })
  async accountDisconnected(@Payload() event: EventOf<typeof AccountDisconnected>): Promise<void> {
    if (!this.registrations || event.data.provider !== 'webex') return;
    const outcome = await this.registrations.deregister(event.data.userId);
    this.logger.debug(`${event.type} ${event.id}: meetings webhook ${outcome}`);
  }

  @OnEvent(MeetingScheduled, { group: webexWebhooksHandlerGroup })
  async meetingScheduled(@Payload() event: EventOf<typeof MeetingScheduled>): Promise<void> {
    await this.repository.link(event.data.webexMeetingId, event.data.meetingId);
  }
}
