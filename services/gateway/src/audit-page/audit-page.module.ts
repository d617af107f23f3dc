import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@scheduler/runtime';
import { AuthenticationModule } from '../authentication/authentication.module.js';
import type { GatewayConfig } from '../config.js';
import { MeetingsModule } from '../meetings/meetings.module.js';
import { OAuthModule } from '../oauth/oauth.module.js';
import { TenantAdminGuardModule } from '../tenant-administration/tenant-admin-guard.module.js';
import { AdminSessions } from './admin-session.js';
import { AdminSessionGuard } from './admin-session.guard.js';
import { AdminSignInController } from './admin-sign-in.controller.js';
import { AuditData } from './audit-data.js';
import { AuditPageController } from './audit-page.controller.js';

/**
 * The tenant administrators' audit page under /admin: a Google sign-in that sets a short-lived
 * signed session cookie, and the server-rendered pages behind it.
 */
@Module({
  imports: [AuthenticationModule, MeetingsModule, OAuthModule, TenantAdminGuardModule],
  controllers: [AdminSignInController, AuditPageController],
  providers: [
    {
      provide: AdminSessions,
      inject: [SERVICE_CONFIG],
      useFactory: (config: GatewayConfig) => new AdminSessions(config.OAUTH_STATE_SECRET),
    },
    AdminSessionGuard,
    AuditData,
  ],
})
export class AuditPageModule {}
