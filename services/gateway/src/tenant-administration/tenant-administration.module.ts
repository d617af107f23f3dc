import { Module } from '@nestjs/common';
import { TenantAdministrationController } from './tenant-administration.controller.js';
import { TenantAdminGuardModule } from './tenant-admin-guard.module.js';
import { TenantPolicyModule } from './tenant-policy.module.js';
import { TenantSettingsService } from './tenant-settings.js';

/**
 * GET|PUT /v1/admin/tenant: the tenant's settings (enabled, retention, allowed Webex sites,
 * default template) for its Workspace administrators, recorded on `tenant-<tenantId>` by
 * google-ingest and enforced by the gateway (TenantPolicy) and retention.
 */
@Module({
  imports: [TenantAdminGuardModule, TenantPolicyModule],
  controllers: [TenantAdministrationController],
  providers: [TenantSettingsService],
})
export class TenantAdministrationModule {}
