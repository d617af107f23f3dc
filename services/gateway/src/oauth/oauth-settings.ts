import type { GoogleOAuth } from '@scheduler/google';

/** What the OAuth routes need from configuration, resolved once at start-up. */
export interface OAuthSettings {
  /** Where the gateway is reachable from browsers; callbacks and return URLs live under it. */
  readonly publicBaseUrl: URL;
  readonly allowedDomains: readonly string[];
  /** Builds Google's consent URL (google-auth-library's generateAuthUrl, pointed at Google or the emulator). */
  readonly google: GoogleOAuth;
  readonly webexClientId: string;
  readonly webexAuthorizeUrl: string;
}

export const OAUTH_SETTINGS = Symbol('OAUTH_SETTINGS');

/** What is asked of each provider, and why, is documented where the lists live (libs/google, libs/webex). */
export { googleScopes } from '@scheduler/google';
export { webexScopes } from '@scheduler/webex';

/** `<PUBLIC_BASE_URL>/v1/oauth/<provider>/callback`, exactly as registered with the provider. */
export function callbackUrl(publicBaseUrl: URL, provider: 'google' | 'webex'): string {
  return new URL(`v1/oauth/${provider}/callback`, withTrailingSlash(publicBaseUrl)).toString();
}

export function withTrailingSlash(url: URL): URL {
  const copy = new URL(url);
  if (!copy.pathname.endsWith('/')) copy.pathname = `${copy.pathname}/`;
  copy.search = '';
  copy.hash = '';
  return copy;
}

/**
 * A return URL is only ever one under PUBLIC_BASE_URL (same origin, same path prefix): an open
 * redirect after login would hand phishing pages our domain's credibility. Returns undefined
 * when it is not allowed.
 */
export function allowedReturnTo(publicBaseUrl: URL, candidate: string): string | undefined {
  if (!URL.canParse(candidate)) return undefined;
  const target = new URL(candidate);
  const base = withTrailingSlash(publicBaseUrl);
  if (target.origin !== base.origin || target.username || target.password) return undefined;
  const path = target.pathname.endsWith('/') ? target.pathname : `${target.pathname}/`;
  if (!path.startsWith(base.pathname)) return undefined;
  return target.toString();
}
