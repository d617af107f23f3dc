import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type SealedValue, type SecretBox, isSealedValue, userSubject } from '@scheduler/crypto-shredding';
import type { TokenRefreshOutcome } from '@scheduler/runtime';
import {
  GoogleApiError,
  GoogleCalendarClient,
  GoogleCallRunner,
  GoogleDirectoryClient,
  GoogleGmailClient,
  type GoogleEndpoints,
  type GoogleOAuth,
  type GoogleResilienceOptions,
  type GoogleTokens,
  ReauthorizationRequired,
  productionGoogleEndpoints,
} from '@scheduler/google';
import type { CalendarAccount } from '../calendar-sync/calendar-sync-engine.js';
import { GoogleAccountTamperedError } from './errors.js';
import type { DisconnectionReason } from './google-account.decider.js';
import {
  type GoogleAccountRecord,
  GoogleAccountRepository,
  type GoogleAccountStatus,
  type GrantRecord,
} from './google-account.repository.js';

export type { GoogleAccountStatus } from './google-account.repository.js';

/** SecretBox contexts: bound into the associated data, so no sealed value can stand in for another. */
const REFRESH_TOKEN_CONTEXT = 'google-refresh-token';
const ACCESS_TOKEN_CONTEXT = 'google-access-token';
const EMAIL_CONTEXT = 'google-account-email';
/** The columns, as a tamper error names them. */
const COLUMNS = {
  refreshTokenSealed: 'refresh_token_sealed',
  accessTokenSealed: 'access_token_sealed',
  emailSealed: 'email_sealed',
} as const;

/** A connected account with clients acting for it: what the sync engine, the reader and the attacher need. */
export interface GoogleAccount extends CalendarAccount {
  readonly directory: GoogleDirectoryClient;
  /** Reads only the message an add-on's per-message token names. */
  readonly gmail: GoogleGmailClient;
  readonly scopes: readonly string[];
}

export interface GoogleTokenStoreOptions {
  /** google-ingest's private database (table google_accounts). */
  readonly pool: pg.Pool;
  /** Seals tokens and the email under user:<userId>: forgetting the user shreds them. */
  readonly secretBox: SecretBox;
  readonly oauth: GoogleOAuth;
  readonly endpoints: Pick<GoogleEndpoints, 'calendarRootUrl' | 'directoryRootUrl'> &
    Partial<Pick<GoogleEndpoints, 'gmailRootUrl'>>;
  /** The Directory custom schema and field holding the Webex site URL (default Webex.SiteUrl). */
  readonly siteUrlSchema?: string;
  readonly siteUrlField?: string;
  readonly resilience?: GoogleResilienceOptions;
  readonly clock?: () => Date;
  /** Persisting refreshed tokens failed (the next call refreshes again). Receives ids only. */
  readonly onTokensError?: (error: unknown, account: { userId: string }) => void;
  /** Handling a disconnection failed (the account stays marked). Receives ids only. */
  readonly onDisconnectionError?: (error: unknown, account: { userId: string }) => void;
  /**
   * Told how a token refresh ended (metrics): Google issued tokens (refreshed, or failed when
   * storing them failed), or refused the grant (rejected).
   */
  readonly onRefresh?: (outcome: TokenRefreshOutcome) => void;
}

/**
 * An account whose grant Google just refused, marked reauthorization-required by this call.
 * Its `calendar` acts with the dead grant, so Google most likely refuses it too.
 */
export interface DeadGrant {
  readonly account: CalendarAccount;
  readonly reason: DisconnectionReason;
  readonly disconnectedAt: Date;
}

export type AccountLookup =
  | { readonly state: 'connected'; readonly account: GoogleAccount }
  | { readonly state: 'not-connected' | 'reauthorization-required' | 'forgotten' };

/**
 * Google OAuth tokens at rest: refresh token, access token and the account's email are sealed
 * with SecretBox (AES-256-GCM envelope encryption under a rotatable KEK) in google_accounts, so
 * forgetting the user's key shreds them. Every grant (one consent) gets a grant id; refreshed tokens and a dead
 * refresh token are recorded against the grant that produced them, so a late refresh of an
 * old grant can never overwrite or disable a newer consent.
 */
export class GoogleTokenStore {
  private readonly accounts: GoogleAccountRepository;
  private readonly secretBox: SecretBox;
  private readonly oauth: GoogleOAuth;
  private readonly endpoints: GoogleTokenStoreOptions['endpoints'];
  private readonly siteUrlSchema: string | undefined;
  private readonly siteUrlField: string | undefined;
  private readonly clock: () => Date;
  private readonly onTokensError: NonNullable<GoogleTokenStoreOptions['onTokensError']>;
  private readonly onDisconnectionError: NonNullable<GoogleTokenStoreOptions['onDisconnectionError']>;
  private readonly onRefresh: NonNullable<GoogleTokenStoreOptions['onRefresh']>;
  private disconnectionHandler: ((deadGrant: DeadGrant) => Promise<void>) | undefined;
  /** Disconnections being handled, with the user each is for. */
  private readonly disconnections = new Map<Promise<void>, string>();
  // One breaker per API for all accounts: a Google outage is not per user.
  private readonly calendarRunner: GoogleCallRunner;
  private readonly directoryRunner: GoogleCallRunner;
  private readonly gmailRunner: GoogleCallRunner;

  constructor(options: GoogleTokenStoreOptions) {
    this.accounts = new GoogleAccountRepository(options.pool);
    this.secretBox = options.secretBox;
    this.oauth = options.oauth;
    this.endpoints = options.endpoints;
    this.siteUrlSchema = options.siteUrlSchema;
    this.siteUrlField = options.siteUrlField;
    this.clock = options.clock ?? (() => new Date());
    this.onTokensError = options.onTokensError ?? (() => undefined);
    this.onDisconnectionError = options.onDisconnectionError ?? (() => undefined);
    this.onRefresh = options.onRefresh ?? (() => undefined);
    this.calendarRunner = new GoogleCallRunner('google-calendar', options.resilience);
    this.directoryRunner = new GoogleCallRunner('google-directory', options.resilience);
    this.gmailRunner = new GoogleCallRunner('google-gmail', options.resilience);
  }

  /**
   * Stores the tokens of a fresh consent, replacing whatever the user had (a reconnect). Without
   * a refresh token in `tokens` the stored one is kept, unless it is dead or missing: then the
   * consent is useless and false is returned (nothing changed).
   */
  async saveGrant(input: {
    userId: string;
    tenantId: string;
    email: string;
    tokens: GoogleTokens;
  }): Promise<boolean> {
    const { userId, tokens } = input;
    const subject = userSubject(userId);
    const sealer = await this.secretBox.sealerFor(subject);
    if (!sealer) return false;
    const emailSealed = sealer.seal(input.email, EMAIL_CONTEXT);
    const accessSealed = sealer.seal(tokens.accessToken, ACCESS_TOKEN_CONTEXT);
    const grant: GrantRecord = {
      userId,
      tenantId: input.tenantId,
      grantId: randomUUID(),
      emailSealed,
      accessTokenSealed: accessSealed,
      accessTokenExpiresAt: new Date(tokens.expiresAt),
      scopes: tokens.scopes,
      connectedAt: this.clock(),
    };
    if (tokens.refreshToken) {
      await this.accounts.saveGrant(grant, sealer.seal(tokens.refreshToken, REFRESH_TOKEN_CONTEXT));
      return true;
    }
    // Google sends a refresh token only with prompt=consent; a live stored one still works.
    return this.accounts.saveGrantKeepingRefreshToken(grant);
  }

  /**
   * Persists tokens Google issued on a refresh of `grantId` (the onTokens hook). Whatever refresh
   * token comes back replaces the stored one; without one the stored one stays.
   */
  async recordRefreshedTokens(userId: string, grantId: string, tokens: GoogleTokens): Promise<void> {
    const sealer = await this.secretBox.sealerFor(userSubject(userId));
    if (!sealer) return;
    await this.accounts.saveRefreshedTokens({
      userId,
      grantId,
      accessTokenSealed: sealer.seal(tokens.accessToken, ACCESS_TOKEN_CONTEXT),
      accessTokenExpiresAt: new Date(tokens.expiresAt),
      refreshTokenSealed: tokens.refreshToken
        ? sealer.seal(tokens.refreshToken, REFRESH_TOKEN_CONTEXT)
        : undefined,
      scopes: tokens.scopes,
      updatedAt: this.clock(),
    });
  }

  /** The grant is dead (invalid_grant, or a 401 after a refresh): the user must consent again. */
  async markReauthorizationRequired(
    userId: string,
    grantId: string,
    reason: DisconnectionReason = 'token-revoked',
  ): Promise<boolean> {
    return this.accounts.markReauthorizationRequired(userId, grantId, this.clock(), reason);
  }

  /**
   * Who acts when a grant dies (the disconnection flow). Set once at startup: it needs the
   * channels and the sync, which themselves act through this store.
   */
  handleDisconnections(handler: (deadGrant: DeadGrant) => Promise<void>): void {
    this.disconnectionHandler = handler;
  }

  /**
   * Resolves when no disconnection (of `userId`, or of anyone) is being handled in this
   * process: for a reconnection, tests and graceful shutdown.
   */
  async idle(userId?: string): Promise<void> {
    const pending = () =>
      [...this.disconnections]
        .filter(([, user]) => userId === undefined || user === userId)
        .map(([work]) => work);
    for (let work = pending(); work.length > 0; work = pending()) await Promise.allSettled(work);
  }

  async statusOf(userId: string): Promise<GoogleAccountStatus | undefined> {
    return this.accounts.statusOf(userId);
  }

  /**
   * Clients acting for the user, or undefined when the user has no usable account (what
   * ChannelManager's `accounts` and CalendarSyncEngine's `account` expect).
   */
  async accountFor(userId: string): Promise<GoogleAccount | undefined> {
    const lookup = await this.lookup(userId);
    return lookup.state === 'connected' ? lookup.account : undefined;
  }

  /**
   * The user is erased: their grant is revoked at Google (the refresh token, which ends its
   * access tokens too). `none`: no stored grant, or its key is already forgotten. A dead grant is
   * revoked all the same: Google answers `already-invalid`.
   */
  async revokeGrant(userId: string): Promise<'revoked' | 'already-invalid' | 'none'> {
    const row = await this.accounts.find(userId);
    if (!row) return 'none';
    const refreshToken = await this.open(row, 'refreshTokenSealed', REFRESH_TOKEN_CONTEXT);
    if (refreshToken === undefined) return 'none';
    return this.oauth.revoke(refreshToken);
  }

  /** Like accountFor, but says why there is no account. */
  async lookup(userId: string): Promise<AccountLookup> {
    const row = await this.accounts.find(userId);
    if (!row) return { state: 'not-connected' };
    if (row.status !== 'connected') return { state: 'reauthorization-required' };
    const refreshToken = await this.open(row, 'refreshTokenSealed', REFRESH_TOKEN_CONTEXT);
    const email = await this.open(row, 'emailSealed', EMAIL_CONTEXT);
    if (refreshToken === undefined || email === undefined) return { state: 'forgotten' };
    const accessToken =
      row.accessTokenSealed === null
        ? undefined
        : await this.open(row, 'accessTokenSealed', ACCESS_TOKEN_CONTEXT);
    const { calendar, directory, gmail } = this.clientsFor(row, refreshToken, accessToken);
    const deadGrantAccount: CalendarAccount = { userId, tenantId: row.tenantId, email, calendar };
    const onDeadGrant = (reason: DisconnectionReason) => {
      // A refresh Google refused (invalid_grant); a 401 after a fresh token is no refresh.
      if (reason === 'token-revoked') this.onRefresh('rejected');
      return this.deadGrant(deadGrantAccount, row.grantId, reason);
    };
    return {
      state: 'connected',
      account: {
        userId,
        tenantId: row.tenantId,
        email,
        scopes: row.scopes,
        calendar: recordingDeadGrants(calendar, onDeadGrant),
        directory: recordingDeadGrants(directory, onDeadGrant),
        gmail: recordingDeadGrants(gmail, onDeadGrant),
      },
    };
  }

  /**
   * Disconnects the accounts whose grant was marked dead at least `graceMs` ago and whose
   * disconnection never completed (the process died in between, or it failed): call it
   * periodically. Returns how many it handled.
   */
  async retryUnhandledDisconnections(graceMs = 60_000): Promise<number> {
    const handler = this.disconnectionHandler;
    if (!handler) return 0;
    const busy = new Set(this.disconnections.values());
    let handled = 0;
    for (const row of await this.accounts.unhandledDisconnections(
      new Date(this.clock().getTime() - graceMs),
    )) {
      if (busy.has(row.userId)) continue;
      const refreshToken = await this.open(row, 'refreshTokenSealed', REFRESH_TOKEN_CONTEXT);
      const email = await this.open(row, 'emailSealed', EMAIL_CONTEXT);
      if (refreshToken === undefined || email === undefined) {
        // A forgotten user: nothing left to act for.
        await this.accounts.markDisconnectionHandled(row.userId, row.grantId, this.clock());
        continue;
      }
      const { calendar } = this.clientsFor(row, refreshToken, undefined);
      await this.handleDisconnection(handler, row.grantId, {
        account: { userId: row.userId, tenantId: row.tenantId, email, calendar },
        // Rows marked before the reason was recorded only knew invalid_grant.
        reason: row.disconnectionReason ?? 'token-revoked',
        disconnectedAt: row.reauthorizationRequiredAt ?? this.clock(),
      });
      handled += 1;
    }
    return handled;
  }

  /** Calendar and Directory clients acting with the row's grant. */
  private clientsFor(
    row: GoogleAccountRecord,
    refreshToken: string,
    accessToken: string | undefined,
  ): { calendar: GoogleCalendarClient; directory: GoogleDirectoryClient; gmail: GoogleGmailClient } {
    const { userId, grantId } = row;
    const auth = this.oauth.clientFor({
      refreshToken,
      ...(accessToken !== undefined && row.accessTokenExpiresAt
        ? { accessToken, expiresAt: row.accessTokenExpiresAt.getTime() }
        : {}),
      onTokens: async (tokens) => {
        await this.recordRefreshedTokens(userId, grantId, tokens);
        this.onRefresh('refreshed');
      },
      onTokensError: (error) => {
        this.onRefresh('failed');
        this.onTokensError(error, { userId });
      },
    });
    // Errors name the account by its pseudonymous id, never by its email.
    const calendar = new GoogleCalendarClient({
      auth,
      rootUrl: this.endpoints.calendarRootUrl,
      account: userId,
      runner: this.calendarRunner,
    });
    const directory = new GoogleDirectoryClient({
      auth,
      rootUrl: this.endpoints.directoryRootUrl,
      account: userId,
      runner: this.directoryRunner,
      ...(this.siteUrlSchema !== undefined ? { siteUrlSchema: this.siteUrlSchema } : {}),
      ...(this.siteUrlField !== undefined ? { siteUrlField: this.siteUrlField } : {}),
    });
    const gmail = new GoogleGmailClient({
      auth,
      rootUrl: this.endpoints.gmailRootUrl ?? productionGoogleEndpoints.gmailRootUrl,
      account: userId,
      runner: this.gmailRunner,
    });
    return { calendar, directory, gmail };
  }

  /**
   * The first report of a grant's death marks the account and hands it to the disconnection
   * handler; later reports (concurrent calls, old clients) find it marked and do nothing. The
   * handler runs in the background: the failed call may hold a channel's row lock (a renewal),
   * which stopping the channels needs.
   */
  private async deadGrant(
    account: CalendarAccount,
    grantId: string,
    reason: DisconnectionReason,
  ): Promise<void> {
    const disconnectedAt = this.clock();
    if (!(await this.markReauthorizationRequired(account.userId, grantId, reason))) return;
    const handler = this.disconnectionHandler;
    // Without a handler the row stays unhandled: retryUnhandledDisconnections takes it up.
    if (!handler) return;
    void this.handleDisconnection(handler, grantId, { account, reason, disconnectedAt });
  }

  /**
   * Runs the handler (tracked for idle()), then records the disconnection as done. A failure
   * leaves it undone, for retryUnhandledDisconnections.
   */
  private handleDisconnection(
    handler: (deadGrant: DeadGrant) => Promise<void>,
    grantId: string,
    deadGrant: DeadGrant,
  ): Promise<void> {
    const { userId } = deadGrant.account;
    const handling: Promise<void> = Promise.resolve()
      .then(() => handler(deadGrant))
      .then(() => this.accounts.markDisconnectionHandled(userId, grantId, this.clock()))
      .catch((error: unknown) => this.onDisconnectionError(error, { userId }))
      .finally(() => this.disconnections.delete(handling));
    this.disconnections.set(handling, userId);
    return handling;
  }

  private async open(
    row: GoogleAccountRecord,
    field: 'refreshTokenSealed' | 'accessTokenSealed' | 'emailSealed',
    context: string,
  ): Promise<string | undefined> {
    const sealed: unknown = row[field];
    const column = COLUMNS[field];
    if (!isSealedValue(sealed) || sealed.subject !== userSubject(row.userId))
      throw new GoogleAccountTamperedError(row.userId, column);
    const opened = await this.secretBox.open(sealed as SealedValue, context);
    if (opened.outcome === 'forgotten') return undefined;
    if (opened.outcome === 'tampered') throw new GoogleAccountTamperedError(row.userId, column);
    return opened.plaintext.toString('utf8');
  }
}

/**
 * The client, with every method reporting a dead grant before the error reaches the caller:
 * invalid_grant on a refresh, or a 401 (the clients answer a first 401 by refreshing and
 * trying again, so a 401 that reaches us came with a fresh access token). Google only says so
 * when a call needs a refresh, inside any method, so this is the one place that sees them all.
 */
function recordingDeadGrants<Client extends object>(
  client: Client,
  onDeadGrant: (reason: DisconnectionReason) => Promise<unknown>,
): Client {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...parameters: unknown[]) => {
        try {
          return await (value as (...values: unknown[]) => Promise<unknown>).apply(target, parameters);
        } catch (error) {
          if (error instanceof ReauthorizationRequired) await onDeadGrant('token-revoked');
          else if (error instanceof GoogleApiError && error.status === 401)
            await onDeadGrant('token-rejected');
          throw error;
        }
      };
    },
  });
}
