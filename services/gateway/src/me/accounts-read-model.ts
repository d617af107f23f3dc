import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { PersonalDataCodec } from '@scheduler/crypto-shredding';
import type { EventStore, Position } from '@scheduler/event-store';
import type { DocumentCollection, ProjectionRunner, ProjectionStore } from '@scheduler/read-models';
import { EVENT_STORE, ReadinessRegistry } from '@scheduler/runtime';
import type { Principal } from '../authentication/identity-verifier.js';
import { startGatewayProjection } from '../read-models/gateway-projection.js';
import { READ_MODEL_STORE } from '../read-models/read-model-store.module.js';
import { type AccountsView, accountsProjection } from './accounts-projection.js';

/**
 * The gateway's accounts read model: each user's Google and Webex connections, Webex site and
 * preferences, projected while the gateway runs and always read for the caller's own tenant and
 * user.
 */
@Injectable()
export class AccountsReadModel implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AccountsReadModel');
  private collection: DocumentCollection<AccountsView> | undefined;
  private runner: ProjectionRunner<AccountsView> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_MODEL_STORE) private readonly store: ProjectionStore,
    @Inject(PersonalDataCodec) private readonly codec: PersonalDataCodec,
    @Optional() @Inject(ReadinessRegistry) private readonly readiness?: ReadinessRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    this.collection = await this.store.collection(accountsProjection.collection);
    // The accounts' email addresses are stored sealed; the projection sees them opened.
    this.runner = await startGatewayProjection({
      eventStore: this.eventStore,
      store: this.store,
      codec: this.codec,
      projection: accountsProjection,
      logger: this.logger,
      label: 'accounts',
      ...(this.readiness ? { readiness: this.readiness } : {}),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner?.stop();
  }

  /** The caller's accounts; undefined when nothing is known about them yet (or in another tenant). */
  async accountsOf(principal: Principal): Promise<AccountsView | undefined> {
    if (!this.collection) throw new Error('the accounts read model is not initialised yet');
    const view = (await this.collection.get(principal.userId))?.document;
    return view && view.tenantId === principal.tenantId ? view : undefined;
  }

  /** Resolves once the read model includes `position`; false when it did not within the time. */
  async caughtUpTo(position: Position, timeoutMs: number): Promise<boolean> {
    if (!this.runner) throw new Error('the accounts read model is not initialised yet');
    try {
      await this.runner.waitForPosition(position, timeoutMs);
      return true;
    } catch {
      return false;
    }
  }
}
