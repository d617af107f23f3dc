import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnEvent } from '@scheduler/bus';
import { AccountErasureStepCompleted, type EventOf } from '@scheduler/contracts';
import { GoogleAccountErasure } from './google-account-erasure.js';

/** webex-bridge finished its step of an erasure: google-ingest's comes next. A throw naks and redelivers. */
@Controller()
export class AccountErasureHandlers {
  constructor(@Inject(GoogleAccountErasure) private readonly erasure: GoogleAccountErasure) {}

  @OnEvent(AccountErasureStepCompleted)
  async stepCompleted(@Payload() event: EventOf<typeof AccountErasureStepCompleted>): Promise<void> {
    if (event.data.step !== 'webex-bridge') return;
    await this.erasure.erase({
      userId: event.data.userId,
      tenantId: event.tenantId,
      meetingIds: event.data.meetingIds ?? [],
      cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
    });
  }
}
