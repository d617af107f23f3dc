export { GoogleTokenStore } from './google-token-store.js';
export type {
  AccountLookup,
  GoogleAccount,
  GoogleAccountStatus,
  GoogleTokenStoreOptions,
} from './google-token-store.js';
export { ConnectGoogleAccount } from './connect-google-account.js';
export type {
  ConnectGoogleAccountOptions,
  ConnectionLogger,
  ConnectionReport,
  ExchangeGoogleAuthorizationCodeRequest,
  ExchangeGoogleAuthorizationCodeResponse,
} from './connect-google-account.js';
export { googleAccountDecider, googleAccountStreamId } from './google-account.decider.js';
export type { GoogleAccountState, GoogleProfile, RecordGoogleAccount } from './google-account.decider.js';
export { ensureGoogleAccountSchema } from './schema.js';
export { directorySite } from './webex-site.js';
export type { DirectorySite } from './webex-site.js';
export {
  GoogleAccountTamperedError,
  GoogleAccountUnavailableError,
  GoogleConnectionRejectedError,
} from './errors.js';
export type { GoogleConnectionRejection } from './errors.js';
