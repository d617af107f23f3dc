import {
  ContractViolationError,
  ExchangeWebexAuthorizationCode,
  primitives,
  toContractIssues,
  type EventCause,
} from '@scheduler/contracts';
import {
  ReauthorizationRequired,
  WebexApiError,
  WebexOAuth,
  WebexRateLimited,
  webexScopes,
  type WebexClient,
  type WebexOAuthOptions,
} from '@scheduler/webex';
import type { z } from 'zod';
import {
  RedirectUriMismatchError,
  WebexProfileIncompleteError,
  WebexSiteUnavailableError,
} from './errors.js';
import { allowedWebexSite } from './site-url.js';
import type { WebexAccountStream } from './webex-account-stream.js';
import type { WebexSiteFacts } from './webex-account.decider.js';
import type { WebexAccountsRepository } from './webex-accounts.repository.js';
import type { WebexTokenStore } from './webex-token-store.js';

export type ExchangeWebexAuthorizationCodeRequest = z.input<typeof ExchangeWebexAuthorizationCode.request>;
export type AccountConnection = z.output<typeof ExchangeWebexAuthorizationCode.response>;

/** What recordDirectorySite did, for logs and tests. */
export type DirectorySiteOutcome =
  /** Stored; the account is not connected (or must reconnect), so the next connect uses it. */
  | 'stored'
  /** Stored, cached with its template, WebexSiteResolved{directory} appended if it was news. */
  | 'resolved'
  /** Nothing changed. */
  | 'unchanged';

export interface ResolvedSite extends WebexSiteFacts {
  readonly cachedAt: Date;
}

/**
 * Whether a tenant lets its users connect a Webex account whose email is not their Google email.
 * Today no tenant does (`sameEmailRequired`); a tenant setting can answer here later.
 */
export interface WebexEmailPolicy {
  mismatchAllowed(tenantId: string): Promise<boolean>;
}

export const sameEmailRequired: WebexEmailPolicy = { mismatchAllowed: async () => false };

/** The product's Webex scopes that the token answer does not name; none when it names no scopes. */
export function missingWebexScopes(granted: readonly string[] | undefined): string[] {
  if (granted === undefined) return [];
  return webexScopes.filter((needed) => !granted.includes(needed));
}

export interface ConnectWebexAccountOptions {
  readonly tokens: WebexTokenStore;
  /** The stored accounts' status and cached site, and the directory sites. */
  readonly accounts: WebexAccountsRepository;
  readonly accountStream: WebexAccountStream;
  /** The integration; `redirectUri` must be the one the gateway sent the user through. */
  readonly oauth: WebexOAuthOptions;
  /** How long a cached site and template are trusted before siteFor() reads them again. Default 24 h. */
  readonly siteCacheTtlMs?: number;
  /** Default: the Webex email must be the Google email. */
  readonly emailPolicy?: WebexEmailPolicy;
  readonly now?: () => number;
}

const defaultSiteCacheTtlMs = 24 * 60 * 60 * 1000;

/**
 * Connects a user's Webex account: exchanges the authorization code, reads people/me,
 * resolves the site (the directory's, if an administrator set one, else the account's default),
 * reads the site's default meeting template, stores tokens and cache, and states the facts on
 * `webexAccount-<userId>`. Also keeps the cached site current: a directory site arriving later wins,
 * and siteFor() re-reads a site cached longer than the TTL.
 */
export class ConnectWebexAccount {
  private readonly oauth: WebexOAuth;
  private readonly siteCacheTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ConnectWebexAccountOptions) {
    this.oauth = new WebexOAuth(options.oauth);
    this.siteCacheTtlMs = options.siteCacheTtlMs ?? defaultSiteCacheTtlMs;
    this.now = options.now ?? Date.now;
  }

  /**
   * The ExchangeWebexAuthorizationCode handler. Throws ContractViolationError for a bad request.
   * Refusals the user can act on are answers (`connected: false`), and nothing is stored for them.
   */
  async handle(request: unknown, cause?: EventCause): Promise<AccountConnection> {
    const command = ExchangeWebexAuthorizationCode.parseRequest(request);
    const { userId, tenantId } = command;
    if (command.redirectUri !== this.options.oauth.redirectUri)
      throw new RedirectUriMismatchError(this.options.oauth.redirectUri, command.redirectUri);
    const refuse = (refused: Extract<AccountConnection, { connected: false }>['refused']) =>
      ExchangeWebexAuthorizationCode.parseResponse({ connected: false, refused });

    // Read everything before storing anything: a refused site leaves no half-connected account.
    let tokens;
    try {
      tokens = await this.oauth.exchangeCode(command.code, command.codeVerifier);
    } catch (error) {
      // invalid_grant on a code: used, expired, or a wrong PKCE verifier.
      if (error instanceof ReauthorizationRequired) return refuse('authorization-code-rejected');
      throw error;
    }
    const webex = this.options.tokens.clientForAccessToken(tokens.accessToken);
    const person = await webex.getMe();
    const email = person.emails[0];
    if (!email) throw new WebexProfileIncompleteError(userId, 'email address');
    // One Webex account per user, and one user per Webex account; reconnecting the same one is fine.
    const existing = await this.options.accounts.account(userId);
    if (existing && existing.webexPersonId !== person.id) return refuse('another-webex-account');
    const owner = await this.options.accounts.userOfWebexPerson(person.id);
    if (owner !== undefined && owner !== userId) return refuse('webex-account-in-use');
    // The Webex account must be the same person's as the Google account (or the tenant allows otherwise).
    if (
      !person.emails.some((candidate) => candidate.toLowerCase() === command.googleEmail.toLowerCase()) &&
      !(await (this.options.emailPolicy ?? sameEmailRequired).mismatchAllowed(tenantId))
    )
      return refuse('email-mismatch');
    const site = await this.resolveSite(userId, webex);

    const saved = await this.options.tokens.saveConnection({
      userId,
      tenantId,
      webexPersonId: person.id,
      tokens,
      site,
    });
    if (saved === 'person-in-use') return refuse('webex-account-in-use');
    // Webex's token answer names the granted scopes; one that names none granted what was asked.
    const missingScopes = missingWebexScopes(tokens.scopes);
    await this.options.accountStream.record(
      userId,
      tenantId,
      [
        {
          kind: 'connected',
          account: {
            webexPersonId: person.id,
            email,
            ...(person.displayName ? { displayName: person.displayName } : {}),
            scopes: tokens.scopes && tokens.scopes.length > 0 ? [...tokens.scopes].sort() : [...webexScopes],
            ...(missingScopes.length > 0 ? { missingScopes } : {}),
          },
        },
        { kind: 'site-resolved', site },
      ],
      { correlationId: command.correlationId, ...(cause ? { cause } : {}) },
    );
    return ExchangeWebexAuthorizationCode.parseResponse({
      userId,
      connected: true,
      ...(missingScopes.length > 0 ? { missingScopes } : {}),
    });
  }

  /**
   * A directory site learnt from google-ingest's DirectoryWebexSiteChanged. Refused
   * (WebexSiteNotAllowedError, nothing stored) outside the allow-list. It overrides the account's
   * default at once when the account is connected.
   */
  async recordDirectorySite(
    userId: string,
    siteUrl: string,
    cause?: EventCause,
  ): Promise<DirectorySiteOutcome> {
    const validUserId = primitives.UserId.safeParse(userId);
    if (!validUserId.success)
      throw new ContractViolationError('directory site user id', toContractIssues(validUserId.error));
    const site = allowedWebexSite(siteUrl, { userId, source: 'directory' });
    const changed = await this.options.accounts.saveDirectorySite(userId, site);
    const account = await this.options.accounts.account(userId);
    if (!account || account.status !== 'connected') return 'stored';
    // Our own WebexSiteResolved comes back through the bus: do not read Webex again for it.
    if (!changed && account.site?.source === 'directory' && account.site.siteUrl === site) return 'unchanged';
    const resolved = await this.refreshSite(userId, account.tenantId, cause);
    return resolved ? 'resolved' : 'stored';
  }

  /**
   * The user's cached site and meeting template, read again from Webex (and the directory site)
   * when older than the TTL. Undefined when the account is not connected.
   */
  async siteFor(userId: string, cause?: EventCause): Promise<ResolvedSite | undefined> {
    const account = await this.options.accounts.account(userId);
    if (!account || account.status !== 'connected') return undefined;
    if (account.site && this.now() - account.site.cachedAt.getTime() < this.siteCacheTtlMs)
      return account.site;
    return this.refreshSite(userId, account.tenantId, cause);
  }

  private async refreshSite(userId: string, tenantId: string, cause?: EventCause) {
    let webex: WebexClient;
    let site: WebexSiteFacts;
    try {
      webex = await this.options.tokens.webexClientFor(userId);
      site = await this.resolveSite(userId, webex);
    } catch (error) {
      // The token store marked the account and recorded the disconnect; the next connect resolves.
      if (error instanceof ReauthorizationRequired) return undefined;
      throw error;
    }
    await this.options.accounts.cacheSite(userId, site, new Date(this.now()));
    await this.options.accountStream.record(
      userId,
      tenantId,
      [{ kind: 'site-resolved', site }],
      cause ? { cause } : {},
    );
    return { ...site, cachedAt: new Date(this.now()) };
  }

  /** The directory's site if an administrator set one, else the account's default; then its template. */
  private async resolveSite(userId: string, webex: WebexClient): Promise<WebexSiteFacts> {
    const directorySite = await this.options.accounts.directorySite(userId);
    let siteUrl: string;
    let source: WebexSiteFacts['source'];
    if (directorySite) {
      siteUrl = allowedWebexSite(directorySite, { userId, source: 'directory' });
      source = 'directory';
    } else {
      const sites = await webex.listSites();
      const chosen = sites.find((site) => site.default) ?? sites[0];
      if (!chosen) throw new WebexSiteUnavailableError(userId);
      siteUrl = allowedWebexSite(chosen.siteUrl, { userId, source: 'webex-account' });
      source = 'webex-account';
    }
    const meetingTemplateId = await this.defaultMeetingTemplate(webex, siteUrl);
    return { siteUrl, source, ...(meetingTemplateId ? { meetingTemplateId } : {}) };
  }

  private async defaultMeetingTemplate(webex: WebexClient, siteUrl: string): Promise<string | undefined> {
    try {
      const templates = await webex.listMeetingTemplates({ templateType: 'meeting', siteUrl });
      return templates.find((template) => template.templateType === 'meeting' && template.isDefault)?.id;
    } catch (error) {
      // A directory site the Webex account cannot host on is refused with a 4xx: keep the site
      // (the administrator's choice), without a template; meeting creation reports the rest.
      const refused =
        error instanceof WebexApiError &&
        !(error instanceof WebexRateLimited) &&
        error.status >= 400 &&
        error.status < 500 &&
        error.status !== 401;
      if (refused) return undefined;
      throw error;
    }
  }
}
