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
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
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
  InvalidOAuthStateError,
  InvalidRequestError,
  TooManyRequestsError,
  UnauthenticatedError,
  UpstreamFailedError,
} from '../api-errors/api-errors.js';
import { ApiAnswer, ApiFailures, ApiInput } from '../openapi/openapi.decorators.js';
import { RequestLimits } from '../rate-limits/request-limits.js';
import { requestCorrelationId } from '../api-errors/api-exception.filter.js';
import { ZodValidationPipe } from '../api-errors/zod-validation.pipe.js';
import { AUTHORIZATION_CODE_HANDOFF, type AuthorizationCodeHandoff } from './authorization-code-handoff.js';
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
  new InvalidRequestError('query', [{ path: 'code', message: 'is required' }]),
  new UpstreamFailedError(provider === 'Google' ? 'google_connection' : 'webex_connection'),
];

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
    new TooManyRequestsError('user', 30),
  )
  async startGoogle(
    @Req() request: Request,
    @Query(new ZodValidationPipe(GoogleStartQuery, 'query')) query: z.output<typeof GoogleStartQuery>,
  ): Promise<RedirectAnswer> {
    const principal = await optionalPrincipal(this.verifier, this.limits, request);
    const tenantId = this.tenantFor(principal, query.domain);
    const returnTo = this.returnTo(query.returnTo, 'query');
    const state = this.states.sign({
      provider: 'google',
      tenantId,
      ...(principal ? { userId: principal.userId } : {}),
      returnTo,
    });
    const url = this.settings.google.authorizationUrl({
      scopes: [...googleScopes],
      state,
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
    @Query() raw: Record<string, unknown>,
  ): Promise<RedirectAnswer> {
    const state = this.states.verify(raw.state, 'google');
    if (!state.tenantId) throw new InvalidOAuthStateError('malformed');
    const outcome = this.providerOutcome(raw);
    if ('error' in outcome) return this.backTo(state, { error: outcome.error, provider: 'google' });
    const exchange = ExchangeGoogleAuthorizationCode.parseRequest({
      tenantId: state.tenantId,
      ...(state.userId ? { userId: state.userId } : {}),
      code: outcome.code,
      redirectUri: callbackUrl(this.settings.publicBaseUrl, 'google'),
      correlationId: requestCorrelationId(request),
    });
    try {
      await this.handoff.google(exchange);
    } catch (error) {
      throw new UpstreamFailedError('google_connection', { cause: error });
    }
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
  startWebex(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(WebexStartBody, 'body')) body: z.output<typeof WebexStartBody>,
  ): { authorizationUrl: string } {
    const returnTo = this.returnTo(body.returnTo, 'body');
    const state = this.states.sign({
      provider: 'webex',
      tenantId: principal.tenantId,
      userId: principal.userId,
      returnTo,
    });
    const url = new URL(this.settings.webexAuthorizeUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.settings.webexClientId);
    url.searchParams.set('redirect_uri', callbackUrl(this.settings.publicBaseUrl, 'webex'));
    url.searchParams.set('scope', webexScopes.join(' '));
    url.searchParams.set('state', state);
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
    @Query() raw: Record<string, unknown>,
  ): Promise<RedirectAnswer> {
    const state = this.states.verify(raw.state, 'webex');
    if (!state.tenantId || !state.userId) throw new InvalidOAuthStateError('malformed');
    const outcome = this.providerOutcome(raw);
    if ('error' in outcome) return this.backTo(state, { error: outcome.error, provider: 'webex' });
    const exchange = ExchangeWebexAuthorizationCode.parseRequest({
      tenantId: state.tenantId,
      userId: state.userId,
      code: outcome.code,
      redirectUri: callbackUrl(this.settings.publicBaseUrl, 'webex'),
      correlationId: requestCorrelationId(request),
    });
    try {
      await this.handoff.webex(exchange);
    } catch (error) {
      throw new UpstreamFailedError('webex_connection', { cause: error });
    }
    return this.backTo(state, { connected: 'webex' });
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
