import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnEvent } from '@scheduler/bus';
import { type EventOf, MeetingCancelled } from '@scheduler/contracts';
import { ConferenceRemover } from './conference-remover.js';

/** A thrown error is the transport's: nakked and redelivered (finally dead-lettered). */
@Controller()
export class ConferenceRemovalHandlers {
  private readonly logger = new Logger('ConferenceRemovalHandlers');

  constructor(private readonly remover: ConferenceRemover) {}

  /** The user cancelled the meeting: our conference comes off the calendar event, which stays. */
  @OnEvent(MeetingCancelled)
  async meetingCancelled(@Payload() cancelled: EventOf<typeof MeetingCancelled>): Promise<void> {
    const outcome = await this.remover.remove(cancelled);
    if (outcome.outcome === 'not-ours-to-remove') return;
    this.logger.log(
      { streamId: cancelled.streamId, eventId: cancelled.id, outcome: outcome.outcome },
      'conference removal handled',
    );
  }
}
