import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnEvent } from '@scheduler/bus';
import { type EventOf, MeetingScheduled } from '@scheduler/contracts';
import { ConferenceAttacher } from './conference-attacher.js';

/**
 * A thrown error is the transport's business: the event is nakked and redelivered (finally
 * dead-lettered). So only what a retry may cure is thrown; the attacher's outcomes are logged.
 */
@Controller()
export class ConferenceAttachmentHandlers {
  private readonly logger = new Logger('ConferenceAttachmentHandlers');

  constructor(private readonly attacher: ConferenceAttacher) {}

  /** Webex scheduled the meeting: write it into the Google event (idempotent; a redelivery is harmless). */
  @OnEvent(MeetingScheduled)
  async meetingScheduled(@Payload() scheduled: EventOf<typeof MeetingScheduled>): Promise<void> {
    const outcome = await this.attacher.attach(scheduled);
    this.logger.log(
      { streamId: scheduled.streamId, eventId: scheduled.id, outcome: outcome.outcome },
      'conference attachment handled',
    );
  }
}
