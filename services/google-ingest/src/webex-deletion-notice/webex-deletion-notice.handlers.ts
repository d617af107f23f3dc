import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnEvent } from '@scheduler/bus';
import { type EventOf, MeetingDriftDetected } from '@scheduler/contracts';
import { DeletedInWebexNotice } from './deleted-in-webex-notice.js';

/** Only what a retry may cure is thrown (the transport redelivers it); outcomes are logged. */
@Controller()
export class WebexDeletionNoticeHandlers {
  private readonly logger = new Logger('WebexDeletionNoticeHandlers');

  constructor(private readonly notice: DeletedInWebexNotice) {}

  /** Webex no longer holds the meeting: the calendar event's conference says so (idempotent). */
  @OnEvent(MeetingDriftDetected)
  async meetingDriftDetected(@Payload() drift: EventOf<typeof MeetingDriftDetected>): Promise<void> {
    const outcome = await this.notice.show(drift);
    if (outcome.outcome === 'not-deleted') return;
    this.logger.log(
      { streamId: drift.streamId, eventId: drift.id, outcome: outcome.outcome },
      'deletion in Webex handled',
    );
  }
}
