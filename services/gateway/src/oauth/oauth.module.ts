import { Module } from '@nestjs/common';
import { GoogleOAuth } from '@scheduler/google';
import { SERVICE_CONFIG } from '@scheduler/runtime';
import { AuthenticationModule } from '../authentication/authentication.module.js';
import { READ_MODEL_STORE, ReadModelStoreModule } from '../read-models/read-model-store.module.js';
import type { ProjectionStore } from '@scheduler/read-models';
import { OAuthFlows } from './oauth-flows.js';
import type { GatewayConfig } from '../config.js';
import { AUTHORIZATION_CODE_HANDOFF, NatsAuthorizationCodeHandoff } from './authorization-code-handoff.js';
import { OAuthController } from './oauth.controller.js';
import { OAuthStateSigner } from './oauth-state.js';
import { OAUTH_SETTINGS, type OAuthSettings } from './oauth-settings.js';

/** The Google and Webex OAuth redirects; codes go to the services that own those tokens. */
@Module({
  imports: [AuthenticationModule, ReadModelStoreModule],
  controllers: [OAuthController],
  providers: [
    {
      provide: OAUTH_SETTINGS,
      inject: [SERVICE_CONFIG, GoogleOAuth],
      useFactory: (config: GatewayConfig, google: GoogleOAuth): OAuthSettings => ({
        publicBaseUrl: new URL(config.PUBLIC_BASE_URL),
        allowedDomains: config.ALLOWED_HOSTED_DOMAINS,
        google,
        webexClientId: config.WEBEX_CLIENT_ID,
        webexAuthorizeUrl: config.WEBEX_AUTHORIZE_URL,
      }),
    },
    {
      provide: OAuthStateSigner,
      inject: [SERVICE_CONFIG],
      useFactory: (config: GatewayConfig) =>
        new OAuthStateSigner(config.OAUTH_STATE_SECRET, {
          lifetimeSeconds: config.OAUTH_STATE_LIFETIME_SECONDS,
        }),
    },
    { provide: AUTHORIZATION_CODE_HANDOFF, useClass: NatsAuthorizationCodeHandoff },
    {
      provide: OAuthFlows,
      inject: [READ_MODEL_STORE],
      useFactory: (store: ProjectionStore) => new OAuthFlows(store),
    },
  ],
  // The audit page's sign-in signs its state with the same signer.
  exports: [OAuthStateSigner],
})
export class OAuthModule {}
