export { WebexClient, createWebexCircuitBreaker, isRetryableWebexError } from './client.js';
export type {
  CreateMeetingRequest,
  CreateWebhookRequest,
  Invitee,
  InviteeEmailOption,
  ListMeetingsQuery,
  ListOccurrencesQuery,
  PatchMeetingRequest,
  PatchOccurrenceRequest,
  ReplaceMeetingRequest,
  WebexClientOptions,
  WebexRetryOptions,
} from './client.js';
export {
  isOccurrenceOutsideItsDay,
  ReauthorizationRequired,
  WebexApiError,
  WebexError,
  WebexNetworkError,
  WebexRateLimited,
  WebexRequestInvalid,
  WebexResponseInvalid,
} from './errors.js';
export type { WebexErrorDetail } from './errors.js';
export { WebexOAuth, webexScopes } from './oauth.js';
export type { WebexOAuthOptions, WebexTokens } from './oauth.js';
export { RefreshingTokenProvider, staticTokenProvider } from './tokens.js';
export type { RefreshingTokenProviderOptions, WebexTokenProvider } from './tokens.js';
export { verifyWebexSignature, webexSignature } from './webhook-signature.js';
export { MeetingWebhookNotification } from './schemas.js';
export type {
  Meeting,
  MeetingInvitee,
  MeetingListItem,
  MeetingTemplate,
  Person,
  Sites,
  Webhook,
} from './schemas.js';
export { CircuitOpenError, TimeoutError } from '@scheduler/resilience';
