import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Inject,
  Injectable,
} from '@nestjs/common';
import type { Request } from 'express';
import {
  CommandFailedError,
  CommandUnansweredError,
  sendCommand,
  type JetStreamClient,
} from '@scheduler/bus';
import { CheckTenantAdministrator } from '@scheduler/contracts';
import { BUS_CLIENT } from '@scheduler/runtime';
import {
  GoogleAccountNotConnectedError,
  NotTenantAdministratorError,
  ServiceUnavailableError,
  UnauthenticatedError,
  UpstreamFailedError,
} from '../api-errors/api-errors.js';
import type { Principal } from '../authentication/identity-verifier.js';

/** The administrator TenantAdminGuard admitted, and the tenant they administer. */
export interface TenantAdministrator {
  readonly tenantId: string;
  readonly userId: string;
}

type AdministeredRequest = Request & { principal?: Principal; tenantAdministrator?: TenantAdministrator };

const CHECK = 'checking your Workspace administrator role with Google';

/**
 * Admits a Workspace administrator of the caller's tenant (the Directory's `isAdmin`, asked of
 * Google by google-ingest with the caller's own token, on every request) and puts them on the
 * request (`@CurrentTenantAdministrator()`). Use after AuthenticationGuard:
 * `@UseGuards(AuthenticationGuard, TenantAdminGuard)`.
 * 403 `not_tenant_administrator`; 409 `google_account_not_connected` when the caller's Google
 * account cannot be asked; 503 when Google or google-ingest does not answer.
 */
@Injectable()
export class TenantAdminGuard implements CanActivate {
  constructor(@Inject(BUS_CLIENT) private readonly bus: JetStreamClient) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdministeredRequest>();
    const principal = request.principal;
    // Only reachable when AuthenticationGuard did not run first: fail closed.
    if (!principal) throw new UnauthenticatedError('missing_token');
    let answer;
    try {
      answer = await sendCommand(this.bus, CheckTenantAdministrator, {
        tenantId: principal.tenantId,
        userId: principal.userId,
      });
    } catch (error) {
      if (error instanceof CommandUnansweredError) throw new ServiceUnavailableError(CHECK, { cause: error });
      if (error instanceof CommandFailedError) throw new UpstreamFailedError(CHECK, { cause: error });
      throw error;
    }
    switch (answer.outcome) {
      case 'administrator':
        request.tenantAdministrator = { tenantId: principal.tenantId, userId: principal.userId };
        return true;
      case 'not-administrator':
        throw new NotTenantAdministratorError();
      case 'account-unavailable':
        throw new GoogleAccountNotConnectedError();
      case 'google-unavailable':
        throw new ServiceUnavailableError(CHECK);
    }
  }
}

/** The administrator TenantAdminGuard put on the request. */
export const CurrentTenantAdministrator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): TenantAdministrator => {
    const administrator = context.switchToHttp().getRequest<AdministeredRequest>().tenantAdministrator;
    // Only reachable when a handler forgot the guard: fail closed.
    if (!administrator) throw new NotTenantAdministratorError();
    return administrator;
  },
);
