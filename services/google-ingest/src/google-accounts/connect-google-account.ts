import { type EventEnvelope, ExchangeGoogleAuthorizationCode, primitives } from '@scheduler/contracts';
import { type EventStore, type StreamCodec, handleCommand } from '@scheduler/event-store';
import {
  GoogleApiError,
  type GoogleOAuth,
  type GoogleTokens,
  IdTokenRejected,
  ReauthorizationRequired,
  missingGoogleScopes,
} from '@scheduler/google';
import type { z } from 'zod';
import { PRIMARY_CALENDAR, canonicalCalendarId } from '../calendar-sync/calendar-id.js';
import type { ChannelManager } from '../watch-channels/channel-manager.js';
import { GoogleConnectionRejectedError } from './errors.js';
import {
  type GoogleProfile,
  type RecordGoogleAccount,
  googleAccountDecider,
  googleAccountStreamId,
} from './google-account.decider.js';
import type { GoogleAccount, GoogleTokenStore } from './google-token-store.js';
import { type DirectorySite, directorySite } from './webex-site.js';

export type ExchangeGoogleAuthorizationCodeRequest = z.output<typeof ExchangeGoogleAuthorizationCode.request>;
export type ExchangeGoogleAuthorizationCodeResponse = z.output<
  typeof ExchangeGoogleAuthorizationCode.response
>;

/** Pino-compatible. Only ids and outcomes are logged: never emails, names, tokens or codes. */
export interface ConnectionLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface ConnectGoogleAccountOptions {
  readonly oauth: GoogleOAuth;
  /** Our OAuth client id: the audience every ID token must carry. */
  readonly clientId: string;
  /** The redirect URI registered for the code exchange; a request naming another is refused before Google is asked. */
  readonly redirectUri: string;
  readonly tokens: GoogleTokenStore;
  readonly eventStore: EventStore;
  /** Watches the primary calendar; its `accounts` must be GoogleTokenStore.accountFor. */
  readonly channels: Pick<
    ChannelManager,
    'startWatch' | 'liveChannels' | 'requestSync' | 'ensureWatched' | 'calendarsWatchedBy'
  >;
  /** How the account stream is stored: its personal fields (email, name) sealed under user:<userId>. */
  readonly codec: StreamCodec<EventEnvelope>;
  /** Used when Google names no (valid) locale (an account may name none). */
  readonly defaultLocale?: string;
  readonly logger?: ConnectionLogger;
  readonly clock?: () => Date;
}

export interface ConnectionReport {
  readonly userId: string;
  /** Event types appended to googleAccount-<userId> by this call (empty: nothing changed). */
  readonly appended: readonly string[];
  readonly site: DirectorySite['outcome'] | 'unreadable';
  readonly watch: 'started' | 'kept';
  readonly initialSync: 'completed' | 'failed';
  /** Scopes the product needs that the consent did not grant. */
  readonly missingScopes: readonly string[];
}

const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/**
 * ExchangeGoogleAuthorizationCode: exchange the code, verify who consented, store the tokens
 * sealed, record the profile and the directory's Webex site on googleAccount-<userId>, watch the
 * primary calendar and run its first sync. Safe to repeat (docs/google-accounts.md).
 */
export class ConnectGoogleAccount {
  private readonly options: ConnectGoogleAccountOptions;
  private readonly clock: () => Date;

  constructor(options: ConnectGoogleAccountOptions) {
    this.options = options;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * The command handler: validates the request, answers with the contract's response. The
   * refusals a user can act on (the code refused, e.g. a wrong PKCE verifier; another account
   * consented) are answers; the rest fail the command.
   */
  async handle(request: unknown): Promise<ExchangeGoogleAuthorizationCodeResponse> {
    let report: ConnectionReport;
    try {
      report = await this.connect(ExchangeGoogleAuthorizationCode.parseRequest(request));
    } catch (error) {
      if (
        error instanceof GoogleConnectionRejectedError &&
        (error.reason === 'authorization-code-rejected' || error.reason === 'user-mismatch')
      ) {
        this.options.logger?.warn(
          { reason: error.reason, correlationId: error.correlationId },
          'Google connection refused',
        );
        return ExchangeGoogleAuthorizationCode.parseResponse({ connected: false, refused: error.reason });
      }
      throw error;
    }
    return ExchangeGoogleAuthorizationCode.parseResponse({
      userId: report.userId,
      connected: true,
      ...(report.missingScopes.length > 0 ? { missingScopes: report.missingScopes } : {}),
    });
  }

  async connect(request: ExchangeGoogleAuthorizationCodeRequest): Promise<ConnectionReport> {
    const { tenantId, correlationId } = request;
    const reject = (reason: GoogleConnectionRejectedError['reason'], detail: string, cause?: unknown) =>
      new GoogleConnectionRejectedError(reason, correlationId, detail, cause ? { cause } : undefined);
    if (request.redirectUri !== this.options.redirectUri)
      throw reject('redirect-uri-mismatch', 'the redirect URI is not the one registered for this service');

    let tokens: GoogleTokens;
    try {
      tokens = await this.options.oauth.exchangeCode(request.code, request.codeVerifier);
    } catch (error) {
      // invalid_grant here is a used, expired or foreign code, or a wrong PKCE verifier, not a dead account.
      if (
        error instanceof ReauthorizationRequired ||
        (error instanceof GoogleApiError && error.status === 400)
      )
        throw reject('authorization-code-rejected', 'Google refused the authorization code', error);
      throw error;
    }
    if (!tokens.idToken)
      throw reject('id-token-missing', 'the grant carries no ID token (scope "openid" missing)');
    let identity;
    try {
      identity = await this.options.oauth.verifyIdToken(tokens.idToken, {
        audience: this.options.clientId,
        allowedDomains: [tenantId],
      });
    } catch (error) {
      // Not chained: google-auth-library's messages can quote the token's claims (the email).
      if (error instanceof IdTokenRejected)
        throw reject(
          'id-token-rejected',
          'the ID token failed verification (signature, issuer, audience, expiry or hosted domain)',
        );
      throw error;
    }
    const userId = identity.subject;
    if (!primitives.UserId.safeParse(userId).success)
      throw reject('id-token-rejected', 'the subject is not a Google account id');
    if (request.userId !== undefined && request.userId !== userId)
      throw reject('user-mismatch', 'the consenting account is not the signed-in user');
    const email = identity.email.toLowerCase();
    if (!(await this.options.tokens.saveGrant({ userId, tenantId, email, tokens })))
      throw reject(
        'refresh-token-missing',
        'Google issued no refresh token and none is stored; consent again',
      );

    const account = await this.options.tokens.accountFor(userId);
    // Just saved: only a forget in between could take it away.
    if (!account) throw reject('refresh-token-missing', 'the account vanished right after it was stored');
    const missingScopes = missingGoogleScopes(tokens.scopes);
    const timeZone = await account.calendar.timeZone();
    const site = await this.readDirectorySite(account, correlationId);
    const claims = identity.payload as { name?: unknown; locale?: unknown };
    const profile: GoogleProfile = {
      userId,
      email,
      ...(typeof claims.name === 'string' && claims.name.trim()
        ? { displayName: claims.name.trim().slice(0, 256) }
        : {}),
      locale: this.localeOf(claims.locale),
      timeZone,
      hostedDomain: identity.hostedDomain ?? tenantId,
      scopes: [...tokens.scopes].sort(),
      // Granular consent lets the user untick scopes: the account is stored (what was granted
      // works) and shown as needing a reconnect, naming what is missing.
      ...(missingScopes.length > 0 ? { missingScopes } : {}),
    };
    const appended = await this.recordAccount({
      tenantId,
      correlationId,
      occurredAt: this.clock(),
      profile,
      directorySiteUrl: site.outcome === 'resolved' ? site.siteUrl : undefined,
    });

    // Watched and synced under its canonical id (the email), never as "primary". After a
    // disconnection the old channels are stopped, so a new watch starts, and the sync is a full
    // one (DisconnectGoogleAccount marked it): it finds what changed meanwhile, deletions included.
    const calendarId = canonicalCalendarId(PRIMARY_CALENDAR, email);
    // A disconnection still stopping the old grant's channels would otherwise let us keep one
    // it is about to stop.
    await this.options.tokens.idle(userId);
    const live = await this.options.channels.liveChannels(userId, calendarId);
    if (live.length === 0) await this.options.channels.startWatch(account, calendarId);
    let initialSync: ConnectionReport['initialSync'] = 'completed';
    try {
      await this.options.channels.requestSync(userId, calendarId);
    } catch (error) {
      // The account is connected; the periodic sync retries.
      initialSync = 'failed';
      this.options.logger?.warn(
        { userId, correlationId, error: error instanceof Error ? error.name : 'unknown' },
        'initial calendar sync failed',
      );
    }
    // The other calendars meetings were added on (secondary, shared) were watched too; after a
    // disconnection their channels are stopped, so they are watched and listed in full again.
    for (const other of await this.options.channels.calendarsWatchedBy(userId)) {
      if (other === calendarId) continue;
      try {
        await this.options.channels.ensureWatched(account, other);
        await this.options.channels.requestSync(userId, other);
      } catch (error) {
        // Access to a shared calendar may be gone; the periodic sync retries the ones still watched.
        this.options.logger?.warn(
          { userId, correlationId, error: error instanceof Error ? error.name : 'unknown' },
          'watching a further calendar failed',
        );
      }
    }
    this.options.logger?.info(
      { userId, correlationId, appended, site: site.outcome, watch: live.length === 0 ? 'started' : 'kept' },
      'Google account connected',
    );
    return {
      userId,
      appended,
      site: site.outcome,
      watch: live.length === 0 ? 'started' : 'kept',
      initialSync,
      missingScopes,
    };
  }

  private async readDirectorySite(account: GoogleAccount, correlationId: string): Promise<DirectorySite> {
    let value: string | undefined;
    try {
      value = await account.directory.webexSiteUrl(account.email);
    } catch (error) {
      // No directory scope, or no entry visible to the user: no site from the directory.
      if (error instanceof GoogleApiError && (error.status === 403 || error.status === 404)) {
        this.options.logger?.warn(
          { userId: account.userId, correlationId, status: error.status, reason: error.reason },
          'directory entry not readable; no Webex site from the directory',
        );
        return { outcome: 'none' };
      }
      throw error;
    }
    const site = directorySite(value);
    if (site.outcome === 'ignored')
      this.options.logger?.warn(
        { userId: account.userId, correlationId, issue: site.issue },
        'directory Webex site URL ignored: it fails the allow-list',
      );
    return site;
  }

  private localeOf(claim: unknown): string {
    if (typeof claim === 'string') {
      const [language, ...rest] = claim.replace(/_/g, '-').split('-');
      const locale = [language?.toLowerCase(), ...rest].join('-');
      if (LOCALE.test(locale)) return locale;
    }
    return this.options.defaultLocale ?? 'en';
  }

  /**
   * Records on googleAccount-<userId> what this connection learnt that the stream does not say
   * yet (googleAccountDecider). Concurrent reconnects with the same change record it once: the
   * kernel appends at the revision it read and decides again after a conflict.
   */
  private async recordAccount(command: RecordGoogleAccount): Promise<string[]> {
    const { newEvents } = await handleCommand(
      this.options.eventStore,
      googleAccountStreamId(command.profile.userId),
      (state) => googleAccountDecider.decide(command, state),
      { ...googleAccountDecider, codec: this.options.codec },
    );
    return newEvents.map((event) => event.type);
  }
}
