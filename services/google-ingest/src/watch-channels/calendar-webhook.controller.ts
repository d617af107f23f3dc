import { Controller, Headers, HttpCode, Logger, Post } from '@nestjs/common';
import { ChannelManager } from './channel-manager.js';
import type { NotificationHeaders } from './notification.js';

/** Where Google pushes calendar notifications, under PUBLIC_WEBHOOK_BASE_URL. */
export const CALENDAR_WEBHOOK_PATH = 'webhooks/google/calendar';

/**
 * Google Calendar push notifications. Google sends headers only; the channel token is checked
 * by ChannelManager. Every verdict, ignored ones included, is a 200, so Google does not retry a
 * notification we chose to ignore. Only a failure of our own (the database is down) is a 500,
 * which Google retries; the periodic sync covers what is lost anyway.
 * Public by design: Google authenticates with the channel token, not with credentials.
 */
@Controller()
export class CalendarWebhookController {
  private readonly logger = new Logger('CalendarWebhook');

  constructor(private readonly channels: ChannelManager) {}

  @Post(CALENDAR_WEBHOOK_PATH)
  @HttpCode(200)
  async notify(@Headers() headers: NotificationHeaders): Promise<void> {
    const result = await this.channels.handleNotification(headers);
    // Ids and verdicts only: never the token, never the body.
    if (result.outcome === 'ignored')
      this.logger.debug({ outcome: result.outcome, reason: result.reason }, 'push notification ignored');
  }
}
