import { Module } from '@nestjs/common';
import { GoogleOAuth, googleEndpoints } from '@scheduler/google';
import { SERVICE_CONFIG } from '@scheduler/runtime';
import type { GatewayConfig } from '../config.js';
import { callbackUrl } from '../oauth/oauth-settings.js';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { TenantPolicy } from '../tenant-administration/tenant-policy.js';
import { TenantPolicyModule } from '../tenant-administration/tenant-policy.module.js';
import { AuthenticationGuard, IDENTITY_VERIFIER } from './authentication.guard.js';
import { GoogleIdentityVerifier } from './identity-verifier.js';

/**
 * Who is calling: Google ID tokens verified against our OAuth client, from a Workspace this
 * deployment serves and its administrators have not disabled (TenantPolicy). Exports the guard, the verifier, and the gateway's one Google OAuth client, which
 * the OAuth routes also use to build consent URLs.
 */
@Module({
  imports: [RateLimitsModule, TenantPolicyModule],
  providers: [
    {
      provide: GoogleOAuth,
      inject: [SERVICE_CONFIG],
      // The gateway holds no Google client secret: it only verifies ID tokens and builds consent URLs.
      useFactory: (config: GatewayConfig) =>
        new GoogleOAuth({
          clientId: config.GOOGLE_CLIENT_ID,
          clientSecret: '',
          redirectUri: callbackUrl(new URL(config.PUBLIC_BASE_URL), 'google'),
          endpoints: googleEndpoints(config.GOOGLE_API_BASE_URL),
        }),
    },
    {
      provide: IDENTITY_VERIFIER,
      inject: [SERVICE_CONFIG, GoogleOAuth, TenantPolicy],
      useFactory: (config: GatewayConfig, google: GoogleOAuth, tenants: TenantPolicy) =>
        new GoogleIdentityVerifier(google, { audience: config.GOOGLE_CLIENT_ID, tenants }),
    },
    AuthenticationGuard,
  ],
  exports: [GoogleOAuth, IDENTITY_VERIFIER, AuthenticationGuard, RateLimitsModule, TenantPolicyModule],
})
export class AuthenticationModule {}
