import { Injectable } from '@nestjs/common';
import type { Principal } from '../authentication/identity-verifier.js';
import { GatewayReadModel } from '../read-models/gateway-projection.js';
import { accountErasuresProjection, type ErasureView } from './account-erasure-projection.js';

/** Each user's erasure, read for the caller's own tenant and user. */
@Injectable()
export class AccountErasureReadModel extends GatewayReadModel<ErasureView> {
  protected readonly projection = accountErasuresProjection;
  protected readonly label = 'account-erasures';

  async erasureOf(principal: Principal): Promise<ErasureView | undefined> {
    const view = (await this.documents().get(principal.userId))?.document;
    return view && view.tenantId === principal.tenantId ? view : undefined;
  }
}
