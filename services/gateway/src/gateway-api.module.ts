import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GoogleOAuth, googleEndpoints } from '@scheduler/google';
import { createReadModelStore, type ProjectionStore } from '@scheduler/read-models';
import { AuthenticationGuard, IDENTITY_VERIFIER } from './authentication/authentication.guard.js';
import { GoogleIdentityVerifier } from './authentication/identity-verifier.js';
import type { GatewayConfig } from './config.js';
import { ApiExceptionFilter } from './http/api-exception.filter.js';
import { CALENDAR_EVENT_READER, type CalendarEventReader } from './meetings/calendar-event-reader.js';
import { MeetingClaims } from './meetings/meeting-claims.js';
import { MeetingRequests } from './meetings/meeting-requests.js';
import { MeetingsController } from './meetings/meetings.controller.js';
import { MeetingsReadModel, READ_MODEL_STORE } from './meetings/meetings-read-model.js';
import {
  AUTHORIZATION_CODE_HANDOFF,
  type AuthorizationCodeHandoff,
} from './oauth/authorization-code-handoff.js';
import { OAuthController } from './oauth/oauth.controller.js';
import { OAuthStateSigner } from './oauth/oauth-state.js';
import { OAUTH_SETTINGS, type OAuthSettings, callbackUrl } from './oauth/oauth-settings.js';
import { NatsAuthorizationCodeHandoff, NatsCalendarEventReader } from './service-ports/nats-ports.js';

/**
 * The gateway's boundaries to other services. Both are implemented by the services that own
 * the data (google-ingest reads calendar events and takes Google codes; webex-bridge takes
 * Webex codes), reached over NATS in production.
 */
export interface GatewayPorts {
  readonly calendarEventReader: CalendarEventReader;
  readonly authorizationCodeHandoff: AuthorizationCodeHandoff;
}

/**
 * Closes the read-model store after the projection runner stopped (onModuleDestroy). The
 * event store is EventPlatformModule's, shared with the relay's owner, and closed there.
 */
@Injectable()
class StoreConnections implements OnApplicationShutdown {
  constructor(@Inject(READ_MODEL_STORE) private readonly readModels: ProjectionStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.readModels.close();
  }
}

/** The public HTTP API under /v1: authentication, meetings (commands and read model), OAuth redirects. */
@Module({})
export class GatewayApiModule {
  /** Without `ports`, the other services are reached over NATS (the production wiring). */
  static forRoot(config: GatewayConfig, ports?: GatewayPorts): DynamicModule {
    const publicBaseUrl = new URL(config.PUBLIC_BASE_URL);
    const endpoints = googleEndpoints(config.GOOGLE_API_BASE_URL);
    // The gateway holds no Google client secret: it only verifies ID tokens and builds consent URLs.
    const google = new GoogleOAuth({
      clientId: config.GOOGLE_CLIENT_ID,
      clientSecret: '',
      redirectUri: callbackUrl(publicBaseUrl, 'google'),
      endpoints,
    });
    const settings: OAuthSettings = {
      publicBaseUrl,
      allowedDomains: config.ALLOWED_HOSTED_DOMAINS,
      google,
      webexClientId: config.WEBEX_CLIENT_ID,
      webexAuthorizeUrl: config.WEBEX_AUTHORIZE_URL,
    };
    return {
      module: GatewayApiModule,
      controllers: [MeetingsController, OAuthController],
      providers: [
        { provide: READ_MODEL_STORE, useFactory: () => createReadModelStore(config.READ_MODEL_URL) },
        StoreConnections,
        {
          provide: IDENTITY_VERIFIER,
          useValue: new GoogleIdentityVerifier(google, {
            audience: config.GOOGLE_CLIENT_ID,
            allowedDomains: config.ALLOWED_HOSTED_DOMAINS,
          }),
        },
        { provide: OAUTH_SETTINGS, useValue: settings },
        { provide: OAuthStateSigner, useValue: new OAuthStateSigner(config.OAUTH_STATE_SECRET) },
        ports
          ? { provide: CALENDAR_EVENT_READER, useValue: ports.calendarEventReader }
          : { provide: CALENDAR_EVENT_READER, useClass: NatsCalendarEventReader },
        ports
          ? { provide: AUTHORIZATION_CODE_HANDOFF, useValue: ports.authorizationCodeHandoff }
          : { provide: AUTHORIZATION_CODE_HANDOFF, useClass: NatsAuthorizationCodeHandoff },
        AuthenticationGuard,
        MeetingsReadModel,
        MeetingClaims,
        MeetingRequests,
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
