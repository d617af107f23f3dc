export { GoogleCalendarClient } from './calendar-client.js';
export type {
  CalendarEvent,
  ConferenceData,
  WatchChannel,
  ChangesPage,
  GoogleCalendarClientOptions,
} from './calendar-client.js';
export { GoogleDirectoryClient } from './directory-client.js';
export { GoogleGmailClient, MESSAGE_METADATA_HEADERS } from './gmail-client.js';
export type { GoogleGmailClientOptions, MessageMetadata } from './gmail-client.js';
export type { GoogleDirectoryClientOptions } from './directory-client.js';
export { GoogleOAuth, IdTokenRejected, googleScopes, missingGoogleScopes } from './oauth.js';
export type { GoogleOAuthConfig, GoogleTokens, TokensHook, VerifiedIdentity } from './oauth.js';
export { GoogleCallRunner } from './call-runner.js';
export type { GoogleResilienceOptions } from './call-runner.js';
export {
  GoogleApiError,
  SyncTokenExpired,
  ReauthorizationRequired,
  GoogleResponseInvalid,
} from './errors.js';
export { productionGoogleEndpoints, googleEndpoints } from './endpoints.js';
export type { GoogleEndpoints } from './endpoints.js';
export { CircuitOpenError } from '@scheduler/resilience';
