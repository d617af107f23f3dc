import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { sendCommand, type JetStreamClient } from '@scheduler/bus';
import { ExchangeGoogleAuthorizationCode, ExchangeWebexAuthorizationCode } from '@scheduler/contracts';
import { BUS_CLIENT } from '@scheduler/runtime';

export type GoogleAuthorizationCodeExchange = z.output<typeof ExchangeGoogleAuthorizationCode.request>;
export type WebexAuthorizationCodeExchange = z.output<typeof ExchangeWebexAuthorizationCode.request>;
/** Connected (perhaps with scopes missing), or refused for a reason the user can act on. */
export type AuthorizationCodeOutcome = z.output<typeof ExchangeGoogleAuthorizationCode.response>;

/**
 * Where the gateway hands an OAuth authorization code: to the service that owns those tokens
 * (google-ingest for Google, webex-bridge for Webex; least privilege). The gateway never
 * exchanges a code or sees a token itself. In production this is the NATS request/reply of the
 * ExchangeGoogleAuthorizationCode / ExchangeWebexAuthorizationCode commands; it resolves with
 * the owner's answer (connected, or a refusal the user can act on), and rejects when the owner
 * failed or could not be reached.
 */
export interface AuthorizationCodeHandoff {
  google(request: GoogleAuthorizationCodeExchange): Promise<AuthorizationCodeOutcome>;
  webex(request: WebexAuthorizationCodeExchange): Promise<AuthorizationCodeOutcome>;
}

export const AUTHORIZATION_CODE_HANDOFF = Symbol('AUTHORIZATION_CODE_HANDOFF');

/** Hands OAuth codes to the services that own those tokens, over their command contracts. */
@Injectable()
export class NatsAuthorizationCodeHandoff implements AuthorizationCodeHandoff {
  constructor(@Inject(BUS_CLIENT) private readonly bus: JetStreamClient) {}

  google(request: GoogleAuthorizationCodeExchange): Promise<AuthorizationCodeOutcome> {
    return sendCommand(this.bus, ExchangeGoogleAuthorizationCode, request);
  }

  webex(request: WebexAuthorizationCodeExchange): Promise<AuthorizationCodeOutcome> {
    return sendCommand(this.bus, ExchangeWebexAuthorizationCode, request);
  }
}
