import {
  Controller,
  Headers,
  HttpCode,
  Inject,
  Logger,
  Post,
  Req,
  Res,
  type RawBodyRequest,
} from '@nestjs/common';
import { MetricsRegistry } from '@scheduler/runtime';
import type { Request, Response } from 'express';
import { Counter } from 'prom-client';
import { meetingsWebhookPath } from './webhook-registrations.js';
import { WebexWebhookReceiver } from './webex-webhook-receiver.js';

const notificationsMetric = 'scheduler_webex_notifications_total';

/** POST /webhooks/webex/meetings: Webex's meetings notifications (the Ingress routes it here). */
@Controller()
export class WebexWebhooksController {
  private readonly logger = new Logger('WebexWebhooks');
  private readonly notifications: Counter<'outcome'>;

  constructor(
    @Inject(WebexWebhookReceiver) private readonly receiver: WebexWebhookReceiver,
    metrics: MetricsRegistry,
  ) {
    this.notifications =
      (metrics.registry.getSingleMetric(notificationsMetric) as Counter<'outcome'> | undefined) ??
      new Counter({
        name: notificationsMetric,
        help: "Webex's meetings notifications received, by outcome (refused: a bad or missing signature)",
        labelNames: ['outcome'],
        registers: [metrics.registry],
      });
  }

  @Post(meetingsWebhookPath)
  @HttpCode(200)
  async meetings(
    @Req() request: RawBodyRequest<Request>,
    @Headers('x-spark-signature') signature: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ outcome: string }> {
    const received = await this.receiver.receive(request.rawBody, signature);
    this.notifications.inc({ outcome: received.outcome });
    // Ids and outcomes only: a notification names a person's meeting.
    if (received.outcome === 'refused' || received.outcome === 'malformed')
      this.logger.warn(`Webex notification ${received.outcome}: ${received.reason}`);
    else this.logger.debug(`Webex notification: ${received.outcome}`);
    response.status(received.status);
    return { outcome: received.outcome };
  }
}
