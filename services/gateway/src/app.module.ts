import { type DynamicModule, Module } from '@nestjs/common';
import { EventPlatformModule, RuntimeModule } from '@scheduler/runtime';
import { AccountErasureModule } from './account-erasure/account-erasure.module.js';
import { ApiErrorsModule } from './api-errors/api-errors.module.js';
import { AuditPageModule } from './audit-page/audit-page.module.js';
import type { GatewayConfig } from './config.js';
import { MeModule } from './me/me.module.js';
import { GmailMeetingsModule } from './gmail-meetings/gmail-meetings.module.js';
import { MeetingsModule } from './meetings/meetings.module.js';
import { OAuthModule } from './oauth/oauth.module.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { RateLimitsModule } from './rate-limits/rate-limits.module.js';
import { TenantAdministrationModule } from './tenant-administration/tenant-administration.module.js';

/**
 * REST API under /v1 for the add-on front end: authenticates Google ID tokens, passes user
 * intents on as commands to the services that own them (google-ingest and webex-bridge, over
 * NATS), answers queries from read models. The gateway produces no events, so its event
 * platform runs no relay.
 */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        RuntimeModule.forRoot({ service: 'gateway', config }),
        EventPlatformModule.forRoot({ service: 'gateway' }),
        ApiErrorsModule,
        MeetingsModule,
        MeModule,
        AccountErasureModule,
        GmailMeetingsModule,
        OAuthModule,
        OpenApiModule,
        RateLimitsModule,
        TenantAdministrationModule,
        AuditPageModule,
      ],
    };
  }
}
