import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Redirect,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ExchangeGoogleAuthorizationCode, ExchangeWebexAuthorizationCode } from '@scheduler/contracts';
import {
  AuthenticationGuard,
  CurrentPrincipal,
  IDENTITY_VERIFIER,
  optionalPrincipal,
} from '../authentication/authentication.guard.js';
import type { IdentityVerifier, Principal } from '../authentication/identity-verifier.js';
import {
  HostedDomainNotAllowedError,
  TenantDisabledError,
  InvalidOAuthStateError,
  InvalidRequestError,
  OAuthConnectionRefusedError,
  TooManyRequestsError,
  UnauthenticatedError,
  UpstreamFailedError,
} from '../api-errors/api-errors.js';
import { ApiAnswer, ApiFailures, ApiInput } from '../openapi/openapi.decorators.js';
import { RequestLimits } from '../rate-limits/request-limits.js';
import { requestCorrelationId } from '../api-errors/api-exception.filter.js';
import { ZodValidationPipe } from '../api-errors/zod-validation.pipe.js';
import {
  AUTHORIZATION_CODE_HANDOFF,
  type AuthorizationCodeHandoff,
  type AuthorizationCodeOutcome,
} from './authorization-code-handoff.js';
import { OAuthFlows, flowCookieName } from './oauth-flows.js';
import { type OAuthProvider, type OAuthState, OAuthStateSigner } from './oauth-state.js';
import {
  OAUTH_SETTINGS,
  type OAuthSettings,
  allowedReturnTo,
  callbackUrl,
  googleScopes,
  webexScopes,
  withTrailingSlash,
} from './oauth-settings.js';

const GoogleStartQuery = z.strictObject({
  /** The Workspace domain to connect; optional when the caller is authenticated or only one domain is served. */
  domain: z.string().max(253).optional(),
  returnTo: z.string().max(2048).optional(),
});

const WebexStartBody = z.strictObject({ returnTo: z.string().max(2048).optional() }).default({});

// Unvalidated on purpose until the state is checked: nothing about the request is trusted before.
const CallbackQuery = z.looseObject({
  code: z.string().min(1).max(2048).optional(),
  error: z.string().max(256).optional(),
});

// Provider error codes we pass on to the return URL; anything else is reported generically.
const PROVIDER_ERRORS = new Set([
  'access_denied',
  'invalid_scope',
  'consent_required',
  'interaction_required',
]);

type RedirectAnswer = { url: string; statusCode: number };

/** The callback query as the document shows it: the state is verified before anything else is read. */
const DocumentedCallbackQuery = CallbackQuery.extend({ state: z.string() });

const callbackFailures = (provider: 'Google' | 'Webex') => [
  new InvalidOAuthStateError('bad_signature'),
  new InvalidOAuthStateError('expired'),
  new InvalidOAuthStateError('replayed'),
  new InvalidOAuthStateError('browser_mismatch'),
  new InvalidRequestError('query', [{ path: 'code', message: 'is required' }]),
  new OAuthConnectionRefusedError(provider === 'Google' ? 'google' : 'webex', 'authorization-code-rejected'),
  ...(provider === 'Google'
    ? [new OAuthConnectionRefusedError('google', 'user-mismatch')]
    : [
        new OAuthConnectionRefusedError('webex', 'email-mismatch'),
        new OAuthConnectionRefusedError('webex', 'another-webex-account'),
        new OAuthConnectionRefusedError('webex', 'webex-account-in-use'),
      ]),
  new UpstreamFailedError(provider === 'Google' ? 'google_connection' : 'webex_connection'),
];

/** The value of one cookie of the request (no cookie parser is installed for the API). */
function cookieOf(request: Request, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/**
 * The Google and Webex OAuth redirects. Starts sign a state and send the browser to the
 * provider; callbacks verify the state before anything else, then hand the code to the
 * service that owns those tokens and send the browser back to the add-on.
 */
@Controller('v1/oauth')
export class OAuthController {
  constructor(
    private readonly states: OAuthStateSigner,
    @Inject(OAUTH_SETTINGS) private readonly settings: OAuthSettings,
    @Inject(IDENTITY_VERIFIER) private readonly verifier: IdentityVerifier,
    @Inject(AUTHORIZATION_CODE_HANDOFF) private readonly handoff: AuthorizationCodeHandoff,
    private readonly limits: RequestLimits,
    private readonly flows: OAuthFlows,
  ) {}

  /** A browser navigation, so the bearer token is optional: signed-in callers are bound to the state. */
  @Get('google/start')
  @Redirect()
  @ApiAnswer({ status: 302, description: "Google's consent page", location: "Google's consent URL" })
  @ApiFailures(
    new InvalidRequestError('query', [
      { path: 'returnTo', message: 'must be a URL under the public base URL of this service' },
    ]),
    new UnauthenticatedError('malformed_header'),
    new UnauthenticatedError('invalid_token'),
    new HostedDomainNotAllowedError(),
    // A signed-in caller of a disabled tenant; without a token the tenant is not known yet.
    new TenantDisabledError('2026-12-01T09:00:00.000Z'),
    new TooManyRequestsError('user', 30),
  )
  async startGoogle(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Query(new ZodValidationPipe(GoogleStartQuery, 'query')) query: z.output<typeof GoogleStartQuery>,
  ): Promise<RedirectAnswer> {
    const principal = await optionalPrincipal(this.verifier, this.limits, request);
    const tenantId = this.tenantFor(principal, query.domain);
    const returnTo = this.returnTo(query.returnTo, 'query');
    const { state, payload } = this.states.issue({
      provider: 'google',
      tenantId,
      ...(principal ? { userId: principal.userId } : {}),
      returnTo,
    });
    const { cookieValue, codeChallenge } = await this.flows.begin(payload);
    this.setFlowCookie(response, 'google', cookieValue);
    const url = this.settings.google.authorizationUrl({
      scopes: [...googleScopes],
      state,
      codeChallenge,
      ...(principal ? { loginHint: principal.email } : {}),
    });
    return { url, statusCode: 302 };
  }

  @Get('google/callback')
  @Redirect()
  @ApiInput({ query: DocumentedCallbackQuery })
  @ApiAnswer({
    status: 303,
    description: 'Back to the add-on',
    location: 'returnTo with connected=google, or provider=google&error=<code>',
  })
  @ApiFailures(...callbackFailures('Google'))
  async completeGoogle(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Query() raw: Record<string, unknown>,
  ): Promise<RedirectAnswer> {
    const state = this.states.verify(raw.state, 'google');
    if (!state.tenantId) throw new InvalidOAuthStateError('malformed');
    const flow = await this.flows.complete(state, cookieOf(request, flowCookieName('google')));
    this.clearFlowCookie(response, 'google');
    const outcome = this.providerOutcome(raw);
    if ('error' in outcome) return this.backTo(state, { error: outcome.error, provider: 'google' });
    const exchange = ExchangeGoogleAuthorizationCode.parseRequest({
      tenantId: state.tenantId,
      ...(state.userId ? { userId: state.userId } : {}),
      code: outcome.code,
      redirectUri: callbackUrl(this.settings.publicBaseUrl, 'google'),
      codeVerifier: flow.codeVerifier,
      correlationId: requestCorrelationId(request),
    });
    let answer: AuthorizationCodeOutcome;
    try {
      answer = await this.handoff.google(exchange);
    } catch (error) {
      throw new UpstreamFailedError('google_connection', { cause: error });
    }
    if (!answer.connected) throw new OAuthConnectionRefusedError('google', answer.refused);
    return this.backTo(state, { connected: 'google' });
  }

  /** Called by the add-on (authenticated); it opens the returned URL, so the state is bound to this user. */
  @Post('webex/start')
  @HttpCode(200)
  @UseGuards(AuthenticationGuard)
  @ApiAnswer({
    description: "Webex's authorization URL, for the add-on to open",
    schema: z.strictObject({ authorizationUrl: z.string() }),
  })
  @ApiFailures(
    new InvalidRequestError('body', [
      { path: 'returnTo', message: 'must be a URL under the public base URL of this service' },
    ]),
  )
  async startWebex(
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
    @Body(new ZodValidationPipe(WebexStartBody, 'body')) body: z.output<typeof WebexStartBody>,
  ): Promise<{ authorizationUrl: string }> {
    const returnTo = this.returnTo(body.returnTo, 'body');
    const { state, payload } = this.states.issue({
      provider: 'webex',
      tenantId: principal.tenantId,
      userId: principal.userId,
      returnTo,
    });
    // The add-on calls this from the browser that opens the URL, so the cookie binds the flow to it.
    const { cookieValue, codeChallenge } = await this.flows.begin(payload, { googleEmail: principal.email });
    this.setFlowCookie(response, 'webex', cookieValue);
    const url = new URL(this.settings.webexAuthorizeUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.settings.webexClientId);
    url.searchParams.set('redirect_uri', callbackUrl(this.settings.publicBaseUrl, 'webex'));
    url.searchParams.set('scope', webexScopes.join(' '));
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return { authorizationUrl: url.toString() };
  }

  @Get('webex/callback')
  @Redirect()
  @ApiInput({ query: DocumentedCallbackQuery })
  @ApiAnswer({
    status: 303,
    description: 'Back to the add-on',
    location: 'returnTo with connected=webex, or provider=webex&error=<code>',
  })
  @ApiFailures(...callbackFailures('Webex'))
  async completeWebex(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Query() raw: Record<string, unknown>,
  ): Promise<RedirectAnswer> {
    const state = this.states.verify(raw.state, 'webex');
    if (!state.tenantId || !state.userId) throw new InvalidOAuthStateError('malformed');
    const flow = await this.flows.complete(state, cookieOf(request, flowCookieName('webex')));
    this.clearFlowCookie(response, 'webex');
    if (flow.googleEmail === undefined) throw new InvalidOAuthStateError('malformed');
    const outcome = this.providerOutcome(raw);
    if ('error' in outcome) return this.backTo(state, { error: outcome.error, provider: 'webex' });
    const exchange = ExchangeWebexAuthorizationCode.parseRequest({
      tenantId: state.tenantId,
      userId: state.userId,
      googleEmail: flow.googleEmail,
      code: outcome.code,
      redirectUri: callbackUrl(this.settings.publicBaseUrl, 'webex'),
      codeVerifier: flow.codeVerifier,
      correlationId: requestCorrelationId(request),
    });
    let answer: AuthorizationCodeOutcome;
    try {
      answer = await this.handoff.webex(exchange);
    } catch (error) {
      throw new UpstreamFailedError('webex_connection', { cause: error });
    }
    if (!answer.connected) throw new OAuthConnectionRefusedError('webex', answer.refused);
    return this.backTo(state, { connected: 'webex' });
  }

  /**
   * The browser's proof that it started the flow: random, HttpOnly (no script reads it),
   * SameSite=Lax (sent on the provider's top-level redirect back, not on cross-site
   * sub-requests), Secure when the gateway is served over https, scoped to the provider's OAuth
   * paths, and living as long as the state.
   */
  private setFlowCookie(response: Response, provider: OAuthProvider, value: string): void {
    response.cookie(flowCookieName(provider), value, {
      ...this.flowCookieOptions(provider),
      maxAge: this.states.lifetimeSeconds * 1000,
    });
  }

  private clearFlowCookie(response: Response, provider: OAuthProvider): void {
    response.clearCookie(flowCookieName(provider), this.flowCookieOptions(provider));
  }

  private flowCookieOptions(provider: OAuthProvider) {
    const callback = new URL(callbackUrl(this.settings.publicBaseUrl, provider));
    return {
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: callback.protocol === 'https:',
      path: callback.pathname.slice(0, callback.pathname.lastIndexOf('/') + 1),
    };
  }

  private tenantFor(principal: Principal | undefined, domain: string | undefined): string {
    if (principal) {
      if (domain !== undefined && domain.toLowerCase() !== principal.tenantId)
        throw new InvalidRequestError('query', [
          { path: 'domain', message: "must be the signed-in account's domain" },
        ]);
      return principal.tenantId;
    }
    const allowed = this.settings.allowedDomains;
    const chosen = domain?.toLowerCase() ?? (allowed.length === 1 ? allowed[0] : undefined);
    if (chosen === undefined)
      throw new InvalidRequestError('query', [
        { path: 'domain', message: 'is required when the service serves more than one domain' },
      ]);
    if (!allowed.includes(chosen))
      throw new InvalidRequestError('query', [
        { path: 'domain', message: 'is not a domain this service serves' },
      ]);
    return chosen;
  }

  private returnTo(candidate: string | undefined, location: 'query' | 'body'): string {
    if (candidate === undefined) return withTrailingSlash(this.settings.publicBaseUrl).toString();
    const allowed = allowedReturnTo(this.settings.publicBaseUrl, candidate);
    if (!allowed)
      throw new InvalidRequestError(location, [
        { path: 'returnTo', message: 'must be a URL under the public base URL of this service' },
      ]);
    return allowed;
  }

  private providerOutcome(raw: Record<string, unknown>): { code: string } | { error: string } {
    const parsed = CallbackQuery.safeParse(raw);
    if (parsed.success && parsed.data.error !== undefined)
      return { error: PROVIDER_ERRORS.has(parsed.data.error) ? parsed.data.error : 'authorization_failed' };
    if (parsed.success && parsed.data.code !== undefined) return { code: parsed.data.code };
    throw new InvalidRequestError('query', [{ path: 'code', message: 'is required' }]);
  }

  private backTo(
    state: OAuthState,
    result: { connected: OAuthProvider } | { error: string; provider: OAuthProvider },
  ): RedirectAnswer {
    // Re-checked although signed: the allow-list may have changed since the state was made.
    const target = new URL(
      (state.returnTo && allowedReturnTo(this.settings.publicBaseUrl, state.returnTo)) ??
        withTrailingSlash(this.settings.publicBaseUrl).toString(),
    );
    if ('connected' in result) target.searchParams.set('connected', result.connected);
    else {
      target.searchParams.set('provider', result.provider);
      target.searchParams.set('error', result.error);
    }
    return { url: target.toString(), statusCode: 303 };
  }
}
