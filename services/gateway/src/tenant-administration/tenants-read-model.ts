import { Injectable } from '@nestjs/common';
import { GatewayReadModel } from '../read-models/gateway-projection.js';
import { type TenantView, tenantsProjection } from './tenants-projection.js';

/** The gateway's tenants read model: each tenant's settings, projected from `tenant-*` while the gateway runs. */
@Injectable()
export class TenantsReadModel extends GatewayReadModel<TenantView> {
  protected readonly projection = tenantsProjection;
  protected readonly label = 'tenants';

  /** The tenant's recorded settings; undefined while none were recorded (the deployment's defaults apply). */
  async tenant(tenantId: string): Promise<TenantView | undefined> {
    return (await this.documents().get(tenantId))?.document;
  }
}
