import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { UnauthenticatedError } from '../api-errors/api-errors.js';
import { RequestLimits } from '../rate-limits/request-limits.js';
import type { IdentityVerifier, Principal, VerifyOptions } from './identity-verifier.js';

export const IDENTITY_VERIFIER = Symbol('IDENTITY_VERIFIER');

export const ALLOW_DISABLED_TENANT = 'scheduler:allow-disabled-tenant';

/**
 * On a controller or handler: its users are admitted even when their tenant is disabled. Only for
 * the tenant's administration, so its administrators can turn it on again.
 */
export const AllowDisabledTenant = () => SetMetadata(ALLOW_DISABLED_TENANT, true);

type AuthenticatedRequest = Request & { principal?: Principal };

// Google ID tokens are ~1 KB; anything far larger is not one and is not worth verifying.
const MAXIMUM_TOKEN_LENGTH = 8192;

/** The bearer token of a request: undefined when there is no Authorization header at all. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  if (!match || match[1]!.length > MAXIMUM_TOKEN_LENGTH) throw new UnauthenticatedError('malformed_header');
  return match[1]!;
}

/** Verifies the token and counts the request against the user's limit (429 when over it). */
async function limitedPrincipal(
  verifier: IdentityVerifier,
  limits: RequestLimits,
  token: string,
  options?: VerifyOptions,
): Promise<Principal> {
  const principal = await verifier.verify(token, options);
  limits.admit('user', `${principal.tenantId}/${principal.userId}`);
  return principal;
}

/** Resolves the caller from an optional bearer token: none gives undefined, a bad one throws. */
export async function optionalPrincipal(
  verifier: IdentityVerifier,
  limits: RequestLimits,
  request: Request,
): Promise<Principal | undefined> {
  const token = bearerToken(request);
  return token === undefined ? undefined : limitedPrincipal(verifier, limits, token);
}

/**
 * Requires `Authorization: Bearer <Google ID token>` and puts the principal on the request.
 * Every authenticated request counts against its user's limit here, so a new route is limited
 * per user by using this guard.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    @Inject(IDENTITY_VERIFIER) private readonly verifier: IdentityVerifier,
    private readonly limits: RequestLimits,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request);
    if (token === undefined) throw new UnauthenticatedError('missing_token');
    const allowDisabledTenant = this.reflector.getAllAndOverride<boolean | undefined>(ALLOW_DISABLED_TENANT, [
      context.getHandler(),
      context.getClass(),
    ]);
    request.principal = await limitedPrincipal(this.verifier, this.limits, token, {
      allowDisabledTenant: allowDisabledTenant === true,
    });
    return true;
  }
}

/** The principal AuthenticationGuard put on the request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    // Only reachable when a handler forgot the guard: fail closed.
    if (!principal) throw new UnauthenticatedError('missing_token');
    return principal;
  },
);
