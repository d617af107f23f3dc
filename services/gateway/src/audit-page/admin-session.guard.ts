import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from '../authentication/identity-verifier.js';
import { RequestLimits } from '../rate-limits/request-limits.js';
import { ADMIN_SESSION_COOKIE, AdminSessions, cookieOf } from './admin-session.js';
import { SignInRequiredError } from './audit-page-errors.js';

/**
 * The browser's counterpart of AuthenticationGuard for the /admin pages: the principal comes
 * from the signed session cookie the sign-in callback set (after verifying Google's ID token),
 * and is put on the request where the API's guards expect it. Counts against the user's limit.
 */
@Injectable()
export class AdminSessionGuard implements CanActivate {
  constructor(
    private readonly sessions: AdminSessions,
    private readonly limits: RequestLimits,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const principal = this.sessions.verify(cookieOf(request, ADMIN_SESSION_COOKIE));
    if (!principal) throw new SignInRequiredError();
    this.limits.admit('user', `${principal.tenantId}/${principal.userId}`);
    request.principal = principal;
    return true;
  }
}
