import { z } from 'zod';
import { defineCommand } from '../define.js';
import { TenantId, UserId } from '../primitives.js';

const AuthorizationCodeExchange = z.strictObject({
  tenantId: TenantId,
  /** The user the gateway authenticated (Google subject); absent on first Google sign-in. */
  userId: UserId.optional(),
  code: z.string().min(1).max(2048),
  redirectUri: z.url(),
  correlationId: z.string().min(1).max(128),
});

const AccountConnection = z.strictObject({
  userId: UserId,
  connected: z.literal(true),
});

/** The gateway hands OAuth codes to the service that owns those tokens (least privilege). */
export const ExchangeGoogleAuthorizationCode = defineCommand({
  name: 'ExchangeGoogleAuthorizationCode',
  service: 'google-ingest',
  action: 'exchange-authorization-code',
  schemaVersion: 1,
  request: AuthorizationCodeExchange,
  response: AccountConnection,
});

export const ExchangeWebexAuthorizationCode = defineCommand({
  name: 'ExchangeWebexAuthorizationCode',
  service: 'webex-bridge',
  action: 'exchange-authorization-code',
  schemaVersion: 1,
  request: AuthorizationCodeExchange.extend({ userId: UserId }),
  response: AccountConnection,
});
