import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnEvent } from '@scheduler/bus';
import { AccountErasureStepCompleted, type EventOf } from '@scheduler/contracts';
import { AccountKeyDestruction } from './account-key-destruction.js';

/** google-ingest finished its step of an erasure: the keys go. A throw naks and redelivers. */
@Controller()
export class AccountErasureHandlers {
  constructor(@Inject(AccountKeyDestruction) private readonly destruction: AccountKeyDestruction) {}

  @OnEvent(AccountErasureStepCompleted)
  async stepCompleted(@Payload() event: EventOf<typeof AccountErasureStepCompleted>): Promise<void> {
    if (event.data.step !== 'google-ingest') return;
    const outcome = await this.destruction.destroy({
      userId: event.data.userId,
      tenantId: event.tenantId,
      cause: { id: event.id, correlationId: event.correlationId, traceparent: event.traceparent },
    });
    // The stream is read from the store, which the event came from: it cannot lag behind it.
    if (outcome === 'not-ready')
      throw new Error(`account erasure of ${event.data.userId}: earlier steps not found`);
  }
}
