import { type GoogleOAuth, IdTokenRejected } from '@scheduler/google';
import { primitives } from '@scheduler/contracts';
import { HostedDomainNotAllowedError, UnauthenticatedError } from '../api-errors/api-errors.js';

/** Who is calling: every query and command is scoped to this tenant and user, never wider. */
export interface Principal {
  /** The Google Workspace domain (`hd` claim), lower-case. */
  readonly tenantId: string;
  /** The Google account's subject (`sub` claim). */
  readonly userId: string;
  /** Personal data: never logged. */
  readonly email: string;
}

export interface VerifyOptions {
  /** Admit the users of a disabled tenant (its administrators' settings routes). */
  readonly allowDisabledTenant?: boolean;
}

/**
 * Turns a bearer ID token into a principal, or throws UnauthenticatedError, or the tenant's
 * refusal (HostedDomainNotAllowedError, TenantDisabledError).
 */
export interface IdentityVerifier {
  verify(idToken: string, options?: VerifyOptions): Promise<Principal>;
}

/** Which Workspaces are served and enabled (the tenants' settings, else the bootstrap list). */
export interface TenantAdmission {
  admit(tenantId: string, options: { allowDisabled?: boolean }): Promise<unknown>;
}

export interface GoogleIdentityVerifierOptions {
  /** Our OAuth client id: tokens minted for another client are refused. */
  readonly audience: string;
  /** Refuses a Workspace not served, or disabled by its administrators. */
  readonly tenants: TenantAdmission;
}

/**
 * Verifies Google-signed ID tokens with google-auth-library (signature against Google's
 * certificates, issuer, audience, expiry), then admits the hosted domain itself: an authentic
 * token from a domain we do not serve, or one its administrators disabled, is a 403, not a 401,
 * so the caller can tell the two apart.
 */
export class GoogleIdentityVerifier implements IdentityVerifier {
  constructor(
    private readonly oauth: GoogleOAuth,
    private readonly options: GoogleIdentityVerifierOptions,
  ) {}

  async verify(idToken: string, options: VerifyOptions = {}): Promise<Principal> {
    let identity;
    try {
      identity = await this.oauth.verifyIdToken(idToken, { audience: this.options.audience });
    } catch (error) {
      if (error instanceof IdTokenRejected) throw new UnauthenticatedError('invalid_token');
      throw error;
    }
    if (identity.payload.email_verified === false) throw new UnauthenticatedError('invalid_token');
    const tenantId = identity.hostedDomain?.toLowerCase();
    // No hosted domain: a consumer account, never a tenant's.
    if (!tenantId) throw new HostedDomainNotAllowedError();
    if (
      !primitives.TenantId.safeParse(tenantId).success ||
      !primitives.UserId.safeParse(identity.subject).success
    )
      throw new UnauthenticatedError('invalid_token');
    await this.options.tenants.admit(tenantId, { allowDisabled: options.allowDisabledTenant === true });
    return { tenantId, userId: identity.subject, email: identity.email.toLowerCase() };
  }
}
