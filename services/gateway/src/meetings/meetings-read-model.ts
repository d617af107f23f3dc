import { EVENT_STORE } from '@scheduler/runtime';
import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { ReadinessRegistry } from '@scheduler/runtime';
import { PersonalDataCodec } from '@scheduler/crypto-shredding';
import type { EventStore, Position } from '@scheduler/event-store';
import type { DocumentCollection, ProjectionRunner, ProjectionStore } from '@scheduler/read-models';
import type { Principal } from '../authentication/identity-verifier.js';
import { startGatewayProjection } from '../read-models/gateway-projection.js';
import { READ_MODEL_STORE } from '../read-models/read-model-store.module.js';
import { activeMeetingStatuses, type MeetingView, meetingsProjection } from './meetings-projection.js';

const MAXIMUM_MEETINGS_PER_EVENT = 100;

/**
 * The gateway's meetings read model: runs the projection while the gateway runs and answers
 * queries, always scoped to the caller's tenant and user. A document of another user is
 * indistinguishable from a missing one.
 */
@Injectable()
export class MeetingsReadModel implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('MeetingsReadModel');
  private collection: DocumentCollection<MeetingView> | undefined;
  private runner: ProjectionRunner<MeetingView> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_MODEL_STORE) private readonly store: ProjectionStore,
    @Inject(PersonalDataCodec) private readonly codec: PersonalDataCodec,
    @Optional() @Inject(ReadinessRegistry) private readonly readiness?: ReadinessRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    this.collection = await this.store.collection(meetingsProjection.collection);
    // Titles are stored sealed; the projection sees them opened (or redacted, once forgotten).
    this.runner = await startGatewayProjection({
      eventStore: this.eventStore,
      store: this.store,
      codec: this.codec,
      projection: meetingsProjection,
      logger: this.logger,
      label: 'meetings',
      ...(this.readiness ? { readiness: this.readiness } : {}),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner?.stop();
  }

  /** The caller's meeting, or undefined (also when it belongs to someone else). */
  async meetingOf(principal: Principal, meetingId: string): Promise<MeetingView | undefined> {
    const stored = await this.meetings().get(meetingId);
    const view = stored?.document;
    return view && view.tenantId === principal.tenantId && view.userId === principal.userId
      ? view
      : undefined;
  }

  /** The caller's meetings on one calendar event, newest first. */
  async meetingsOnEvent(principal: Principal, calendarId: string, eventId: string): Promise<MeetingView[]> {
    const found = await this.meetings().find({
      where: { tenantId: principal.tenantId, userId: principal.userId, calendarId, eventId },
      limit: MAXIMUM_MEETINGS_PER_EVENT,
    });
    // Meeting ids are UUIDv7, so id order is request order.
    return found.map((stored) => stored.document).reverse();
  }

  /** The caller's meeting on the event that is still live or being created, if any. */
  async activeMeetingOnEvent(
    principal: Principal,
    calendarId: string,
    eventId: string,
  ): Promise<MeetingView | undefined> {
    const [active] = await this.meetings().find({
      where: {
        tenantId: principal.tenantId,
        userId: principal.userId,
        calendarId,
        eventId,
        status: { in: activeMeetingStatuses },
      },
      limit: 1,
    });
    return active?.document;
  }

  /** Resolves once the read model includes `position`; false when it did not within the time. */
  async caughtUpTo(position: Position, timeoutMs: number): Promise<boolean> {
    try {
      await this.requireRunner().waitForPosition(position, timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  private meetings(): DocumentCollection<MeetingView> {
    if (!this.collection) throw new Error('the meetings read model is not initialised yet');
    return this.collection;
  }

  private requireRunner(): ProjectionRunner<MeetingView> {
    if (!this.runner) throw new Error('the meetings read model is not initialised yet');
    return this.runner;
  }
}
