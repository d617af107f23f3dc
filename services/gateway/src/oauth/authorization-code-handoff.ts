import type { z } from 'zod';
import type { ExchangeGoogleAuthorizationCode, ExchangeWebexAuthorizationCode } from '@scheduler/contracts';

export type GoogleAuthorizationCodeExchange = z.output<typeof ExchangeGoogleAuthorizationCode.request>;
export type WebexAuthorizationCodeExchange = z.output<typeof ExchangeWebexAuthorizationCode.request>;

/**
 * Where the gateway hands an OAuth authorization code: to the service that owns those tokens
 * (google-ingest for Google, webex-bridge for Webex; design §2, least privilege). The gateway
 * never exchanges a code or sees a token itself. In production this is the NATS request/reply
 * of the ExchangeGoogleAuthorizationCode / ExchangeWebexAuthorizationCode commands; it resolves
 * once the owner has stored the tokens, and rejects when it refused or could not be reached.
 */
export interface AuthorizationCodeHandoff {
  google(request: GoogleAuthorizationCodeExchange): Promise<void>;
  webex(request: WebexAuthorizationCodeExchange): Promise<void>;
}

export const AUTHORIZATION_CODE_HANDOFF = Symbol('AUTHORIZATION_CODE_HANDOFF');
