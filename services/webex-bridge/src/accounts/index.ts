export { ConnectWebexAccount } from './connect-webex-account.js';
export type {
  AccountConnection,
  ConnectWebexAccountOptions,
  DirectorySiteOutcome,
  ExchangeWebexAuthorizationCodeRequest,
  ResolvedSite,
} from './connect-webex-account.js';
export { WebexTokenStore } from './webex-token-store.js';
export type { WebexAccount, WebexAccountStatus, WebexTokenStoreOptions } from './webex-token-store.js';
export { WebexAccountStream } from './webex-account-stream.js';
export type { RecordTrace } from './webex-account-stream.js';
export { allowedWebexSite } from './site-url.js';
export {
  initialConnectionState,
  webexAccountDecider,
  webexAccountStreamId,
} from './webex-account.decider.js';
export type {
  AccountOrigin,
  ConnectionEvent,
  ConnectionFact,
  RecordConnectionFacts,
  WebexAccountFacts,
  WebexConnectionState,
  WebexSiteFacts,
} from './webex-account.decider.js';
export {
  RedirectUriMismatchError,
  WebexAccountNotConnectedError,
  WebexProfileIncompleteError,
  WebexSiteNotAllowedError,
  WebexSiteUnavailableError,
  WebexTokensTamperedError,
} from './errors.js';
export type { WebexAccountState } from './errors.js';
