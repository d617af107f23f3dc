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

/** Turns a bearer ID token into a principal, or throws UnauthenticatedError / HostedDomainNotAllowedError. */
export interface IdentityVerifier {
  verify(idToken: string): Promise<Principal>;
}

export interface GoogleIdentityVerifierOptions {
  /** Our OAuth client id: tokens minted for another client are refused. */
  readonly audience: string;
  /** Workspace domains this deployment serves (lower-case). */
  readonly allowedDomains: readonly string[];
}

/**
 * Verifies Google-signed ID tokens with google-auth-library (signature against Google's
 * certificates, issuer, audience, expiry), then checks the hosted domain itself: an authentic
 * token from a domain we do not serve is a 403, not a 401, so the caller can tell the two apart.
 */
export class GoogleIdentityVerifier implements IdentityVerifier {
  private readonly allowedDomains: ReadonlySet<string>;

  constructor(
    private readonly oauth: GoogleOAuth,
    private readonly options: GoogleIdentityVerifierOptions,
  ) {
    this.allowedDomains = new Set(options.allowedDomains.map((domain) => domain.toLowerCase()));
  }

  async verify(idToken: string): Promise<Principal> {
    let identity;
    try {
      identity = await this.oauth.verifyIdToken(idToken, { audience: this.options.audience });
    } catch (error) {
      if (error instanceof IdTokenRejected) throw new UnauthenticatedError('invalid_token');
      throw error;
    }
    if (identity.payload.email_verified === false) throw new UnauthenticatedError('invalid_token');
    const tenantId = identity.hostedDomain?.toLowerCase();
    if (!tenantId || !this.allowedDomains.has(tenantId)) throw new HostedDomainNotAllowedError();
    if (
      !primitives.TenantId.safeParse(tenantId).success ||
      !primitives.UserId.safeParse(identity.subject).success
    )
      throw new UnauthenticatedError('invalid_token');
    return { tenantId, userId: identity.subject, email: identity.email.toLowerCase() };
  }
}
