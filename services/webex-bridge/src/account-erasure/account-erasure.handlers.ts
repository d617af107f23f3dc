import { Controller, Inject, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnCommand, OnEvent } from '@scheduler/bus';
import {
  AccountErasureRequested,
  EraseAccount,
  MeetingCancelled,
  RecordAccountErased,
  RecordAccountErasureStep,
  type EventOf,
} from '@scheduler/contracts';
import type { z } from 'zod';
import { AccountErasure } from './account-erasure.js';

type Request<Contract extends { request: z.ZodType }> = z.output<Contract['request']>;

/**
 * The account erasure's commands (the gateway's request, the other services' steps) and the
 * events that drive webex-bridge's step. A handler's throw is the transport's: nak and redeliver;
 * the periodic pass (AccountErasureTasks) also picks up an erasure a crash left behind.
 */
@Controller()
export class AccountErasureHandlers {
  private readonly logger = new Logger(AccountErasureHandlers.name);

  constructor(@Inject(AccountErasure) private readonly erasure: AccountErasure) {}

  @OnCommand(EraseAccount)
  eraseAccount(@Payload() request: Request<typeof EraseAccount>) {
    return this.erasure.requestErasure(request);
  }

  @OnCommand(RecordAccountErasureStep)
  recordAccountErasureStep(@Payload() request: Request<typeof RecordAccountErasureStep>) {
    return this.erasure.recordStep(request);
  }

  @OnCommand(RecordAccountErased)
  recordAccountErased(@Payload() request: Request<typeof RecordAccountErased>) {
    return this.erasure.recordErased(request);
  }

  @OnEvent(AccountErasureRequested)
  async accountErasureRequested(@Payload() event: EventOf<typeof AccountErasureRequested>): Promise<void> {
    const outcome = await this.erasure.started({
      userId: event.data.userId,
      tenantId: event.tenantId,
      requestedAt: new Date(event.data.requestedAt),
      cause: { id: event.id, correlationId: event.correlationId },
    });
    this.logger.debug(`${event.type} ${event.id}: webex-bridge step ${outcome}`);
  }

  @OnEvent(MeetingCancelled)
  async meetingCancelled(@Payload() event: EventOf<typeof MeetingCancelled>): Promise<void> {
    await this.erasure.meetingCancelled(event.data.meetingId);
  }
}
