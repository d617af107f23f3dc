import { Inject, Injectable } from '@nestjs/common';
import {
  CommandFailedError,
  CommandUnansweredError,
  sendCommand,
  type JetStreamClient,
} from '@scheduler/bus';
import { ChangeTenantSettings, type TenantSettings } from '@scheduler/contracts';
import { positionFromString } from '@scheduler/event-store';
import { BUS_CLIENT } from '@scheduler/runtime';
import {
  GoogleAccountNotConnectedError,
  NotTenantAdministratorError,
  ServiceUnavailableError,
  UpstreamFailedError,
} from '../api-errors/api-errors.js';
import type { TenantAdministrator } from './tenant-admin.guard.js';
import { TenantPolicy, type TenantPolicyView } from './tenant-policy.js';
import { TenantsReadModel } from './tenants-read-model.js';

/** How long a change waits for the read model to show it (read-your-writes). */
const READ_YOUR_WRITES_MS = 3000;
const CHANGE = 'tenant_settings_change';

/** The tenant's settings for its administrators: read from the read model, changed through google-ingest. */
@Injectable()
export class TenantSettingsService {
  constructor(
    @Inject(BUS_CLIENT) private readonly bus: JetStreamClient,
    private readonly policy: TenantPolicy,
    private readonly tenants: TenantsReadModel,
  ) {}

  async settingsOf(administrator: TenantAdministrator): Promise<TenantPolicyView> {
    // An administrator got past authentication, so the tenant is served.
    return (await this.policy.policyOf(administrator.tenantId))!;
  }

  /**
   * Records the settings (google-ingest, the tenant stream's writer, checks the administrator with
   * Google again) and answers them once the read model shows them, or as recorded after 3 s.
   */
  async change(
    administrator: TenantAdministrator,
    settings: TenantSettings,
    correlationId: string,
  ): Promise<TenantPolicyView> {
    let answer;
    try {
      answer = await sendCommand(this.bus, ChangeTenantSettings, {
        tenantId: administrator.tenantId,
        userId: administrator.userId,
        correlationId,
        settings,
      });
    } catch (error) {
      if (error instanceof CommandUnansweredError)
        throw new ServiceUnavailableError(CHANGE, { cause: error });
      if (error instanceof CommandFailedError) throw new UpstreamFailedError(CHANGE, { cause: error });
      throw error;
    }
    switch (answer.outcome) {
      case 'changed':
        if (!(await this.tenants.caughtUpTo(positionFromString(answer.position), READ_YOUR_WRITES_MS)))
          return {
            tenantId: administrator.tenantId,
            settings,
            source: 'settings',
            changedBy: administrator.userId,
          };
        return this.settingsOf(administrator);
      case 'unchanged':
        return this.settingsOf(administrator);
      case 'not-administrator':
        throw new NotTenantAdministratorError();
      case 'account-unavailable':
        throw new GoogleAccountNotConnectedError();
      case 'google-unavailable':
        throw new ServiceUnavailableError(CHANGE);
    }
  }
}
