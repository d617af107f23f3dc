import { Controller, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnCommand } from '@scheduler/bus';
import { CreateCalendarEventFromMessage, type RequestOf } from '@scheduler/contracts';
import { MessageEventCreator } from './message-event-creator.js';

/** The gateway asks for a calendar event made from a Gmail message the user has open. */
@Controller()
export class GmailEventsHandlers {
  private readonly logger = new Logger('GmailEventsHandlers');

  constructor(private readonly creator: MessageEventCreator) {}

  @OnCommand(CreateCalendarEventFromMessage)
  async createCalendarEventFromMessage(@Payload() request: RequestOf<typeof CreateCalendarEventFromMessage>) {
    const answer = await this.creator.create(request);
    // Ids and outcomes only: never the token, the subject or addresses.
    this.logger.log(
      {
        userId: request.userId,
        correlationId: request.correlationId,
        outcome: answer.outcome,
        ...(answer.outcome === 'created' ? { alreadyExisted: answer.alreadyExisted } : {}),
      },
      'calendar event from a Gmail message',
    );
    return answer;
  }
}
