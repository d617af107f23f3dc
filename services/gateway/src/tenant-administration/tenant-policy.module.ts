import { Module } from '@nestjs/common';
import { ReadModelStoreModule } from '../read-models/read-model-store.module.js';
import { TenantPolicy } from './tenant-policy.js';
import { TenantsReadModel } from './tenants-read-model.js';

/** The tenants read model and the policy every route enforces from it (authentication included). */
@Module({
  imports: [ReadModelStoreModule],
  providers: [TenantsReadModel, TenantPolicy],
  exports: [TenantsReadModel, TenantPolicy],
})
export class TenantPolicyModule {}
