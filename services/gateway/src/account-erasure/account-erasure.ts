import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CommandFailedError,
  CommandUnansweredError,
  sendCommand,
  type JetStreamClient,
} from '@scheduler/bus';
import { EraseAccount, type ResponseOf } from '@scheduler/contracts';
import { positionFromString } from '@scheduler/event-store';
import { BUS_CLIENT } from '@scheduler/runtime';
import type { Principal } from '../authentication/identity-verifier.js';
import { ServiceUnavailableError, UpstreamFailedError } from '../api-errors/api-errors.js';
import { AccountsReadModel } from '../me/accounts-read-model.js';
import type { ErasureView } from './account-erasure-projection.js';
import { AccountErasureReadModel } from './account-erasure-read-model.js';
import { AccountErasedError, AccountNotFoundError, ErasureNotFoundError } from './account-erasure.errors.js';

const READ_YOUR_WRITES_TIMEOUT_MS = 3000;

export type FutureMeetings = 'cancel' | 'keep';

/** What `DELETE /v1/me` and `GET /v1/me/erasure` answer. */
export interface ErasureResource {
  readonly status: 'erasing' | 'erased';
  readonly futureMeetings: FutureMeetings;
  readonly requestedAt: string;
  readonly stepsCompleted: readonly string[];
  readonly erasedAt?: string;
}

const toResource = (view: ErasureView): ErasureResource => ({
  status: view.status,
  futureMeetings: view.futureMeetings,
  requestedAt: view.requestedAt,
  stepsCompleted: view.stepsCompleted,
  ...(view.erasedAt !== undefined ? { erasedAt: view.erasedAt } : {}),
});

/**
 * The user's erasure, as the gateway sees it: refusals decided from its read models, the request
 * recorded by webex-bridge (the erasure stream's writer), the progress read back from the
 * `account_erasures` read model.
 */
@Injectable()
export class AccountErasure {
  private readonly logger = new Logger('AccountErasure');

  constructor(
    @Inject(BUS_CLIENT) private readonly bus: JetStreamClient,
    private readonly accounts: AccountsReadModel,
    private readonly erasures: AccountErasureReadModel,
  ) {}

  async erase(
    principal: Principal,
    futureMeetings: FutureMeetings,
    correlationId: string,
  ): Promise<ErasureResource> {
    const earlier = await this.erasures.erasureOf(principal);
    if (earlier?.status === 'erased') throw new AccountErasedError(earlier.erasedAt ?? earlier.updatedAt);
    if (earlier) return toResource(earlier);
    if (!(await this.accounts.accountsOf(principal))) throw new AccountNotFoundError();
    let answer: ResponseOf<typeof EraseAccount>;
    try {
      answer = await sendCommand(this.bus, EraseAccount, {
        tenantId: principal.tenantId,
        userId: principal.userId,
        futureMeetings,
        trace: { correlationId, causationId: null, traceparent: null },
      });
    } catch (error) {
      if (error instanceof CommandFailedError) throw new UpstreamFailedError('erasure', { cause: error });
      if (error instanceof CommandUnansweredError)
        throw new ServiceUnavailableError('erasure', { cause: error });
      throw error;
    }
    switch (answer.outcome) {
      case 'already-erased':
        throw new AccountErasedError(answer.erasedAt);
      case 'already-requested':
        return {
          status: 'erasing',
          futureMeetings: answer.futureMeetings,
          requestedAt: answer.requestedAt,
          stepsCompleted: [],
        };
      case 'requested':
        if (
          !(await this.erasures.caughtUpTo(positionFromString(answer.position), READ_YOUR_WRITES_TIMEOUT_MS))
        )
          this.logger.warn({
            message: 'account erasures read model is behind; answering anyway',
            correlationId,
          });
        return { status: 'erasing', futureMeetings, requestedAt: answer.requestedAt, stepsCompleted: [] };
    }
  }

  async statusOf(principal: Principal): Promise<ErasureResource> {
    const view = await this.erasures.erasureOf(principal);
    if (!view) throw new ErasureNotFoundError();
    return toResource(view);
  }
}
