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
import type { Request, Response } from 'express';
import { meetingsWebhookPath } from './webhook-registrations.js';
import { WebexWebhookReceiver } from './webex-webhook-receiver.js';

/** POST /webhooks/webex/meetings: Webex's meetings notifications (the Ingress routes it here). */
@Controller()
export class WebexWebhooksController {
  private readonly logger = new Logger('WebexWebhooks');

  constructor(@Inject(WebexWebhookReceiver) private readonly receiver: WebexWebhookReceiver) {}

  @Post(meetingsWebhookPath)
  @HttpCode(200)
  async meetings(
    @Req() request: RawBodyRequest<Request>,
    @Headers('x-spark-signature') signature: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ outcome: string }> {
    const received = await this.receiver.receive(request.rawBody, signature);
    // Ids and outcomes only: a notification names a person's meeting.
    if (received.outcome === 'refused' || received.outcome === 'malformed')
      this.logger.warn(`Webex notification ${received.outcome}: ${received.reason}`);
    else this.logger.debug(`Webex notification: ${received.outcome}`);
    response.status(received.status);
    return { outcome: received.outcome };
  }
}
