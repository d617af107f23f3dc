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
export { UserStream, userStreamId } from './user-stream.js';
export type { RecordTrace, UserStreamOptions } from './user-stream.js';
export { allowedWebexSite } from './site-url.js';
export { decideConnection, evolveConnection, initialConnectionState } from './webex-connection.js';
export type {
  ConnectionEvent,
  ConnectionFact,
  WebexAccountFacts,
  WebexConnectionState,
  WebexSiteFacts,
} from './webex-connection.js';
export {
  RedirectUriMismatchError,
  UserStreamConflictError,
  WebexAccountNotConnectedError,
  WebexProfileIncompleteError,
  WebexSiteNotAllowedError,
  WebexSiteUnavailableError,
  WebexTokensTamperedError,
} from './errors.js';
export type { WebexAccountState } from './errors.js';
