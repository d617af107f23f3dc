import { Module } from '@nestjs/common';
import { AuthenticationModule } from '../authentication/authentication.module.js';
import { TenantAdminGuard } from './tenant-admin.guard.js';

/**
 * The admin check for any route: import this module, then
 * `@UseGuards(AuthenticationGuard, TenantAdminGuard)` and `@CurrentTenantAdministrator()`.
 */
@Module({
  imports: [AuthenticationModule],
  providers: [TenantAdminGuard],
  exports: [TenantAdminGuard, AuthenticationModule],
})
export class TenantAdminGuardModule {}
