import { Controller, Inject, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnCommand } from '@scheduler/bus';
import {
  ChangeTenantSettings,
  CheckTenantAdministrator,
  type EventEnvelope,
  type RequestOf,
  type ResponseOf,
} from '@scheduler/contracts';
import { type EventStore, type StreamCodec, handleCommand, positionToString } from '@scheduler/event-store';
import { EVENT_STORE, SEALED_ENVELOPES } from '@scheduler/runtime';
import { TenantAdministrators } from './tenant-administrators.js';
import { tenantSettingsDecider, tenantStreamId } from './tenant-settings.decider.js';

/** The gateway asks whether a user administers their tenant, and records an administrator's settings. */
@Controller()
export class TenantAdministrationHandlers {
  private readonly logger = new Logger('TenantAdministration');

  constructor(
    private readonly administrators: TenantAdministrators,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(SEALED_ENVELOPES) private readonly codec: StreamCodec<EventEnvelope>,
  ) {}

  @OnCommand(CheckTenantAdministrator)
  async checkTenantAdministrator(
    @Payload() request: RequestOf<typeof CheckTenantAdministrator>,
  ): Promise<ResponseOf<typeof CheckTenantAdministrator>> {
    return { outcome: await this.administrators.check(request.tenantId, request.userId) };
  }

  /** The writer checks the administrator with Google itself, however the gateway judged the caller. */
  @OnCommand(ChangeTenantSettings)
  async changeTenantSettings(
    @Payload() request: RequestOf<typeof ChangeTenantSettings>,
  ): Promise<ResponseOf<typeof ChangeTenantSettings>> {
    const checked = await this.administrators.check(request.tenantId, request.userId);
    if (checked !== 'administrator') return { outcome: checked };
    const { appendResult } = await handleCommand(
      this.eventStore,
      tenantStreamId(request.tenantId),
      (state) =>
        tenantSettingsDecider.decide(
          {
            tenantId: request.tenantId,
            changedBy: request.userId,
            settings: request.settings,
            correlationId: request.correlationId,
            occurredAt: new Date(),
          },
          state,
        ),
      { ...tenantSettingsDecider, codec: this.codec },
    );
    this.logger.log(
      {
        tenantId: request.tenantId,
        userId: request.userId,
        correlationId: request.correlationId,
        changed: appendResult !== undefined,
      },
      'tenant settings',
    );
    return appendResult
      ? { outcome: 'changed', position: positionToString(appendResult.position) }
      : { outcome: 'unchanged' };
  }
}
