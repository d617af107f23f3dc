import {
  type DataOf,
  type EventEnvelope,
  ExchangeGoogleAuthorizationCode,
  GoogleAccountConnected,
  WebexSiteResolved,
  createEvent,
  parseEvent,
  primitives,
} from '@scheduler/contracts';
import type { PersonalDataCodec } from '@scheduler/crypto-shredding';
import {
  type EventStore,
  type ExpectedRevision,
  ExpectedVersionConflictError,
  type RecordedEvent,
  StreamNotFoundError,
  envelopeToEventToAppend,
  recordedEventToEnvelope,
} from '@scheduler/event-store';
import {
  GoogleApiError,
  type GoogleOAuth,
  type GoogleTokens,
  IdTokenRejected,
  ReauthorizationRequired,
} from '@scheduler/google';
import type { z } from 'zod';
import { StreamContentionError } from '../calendar-sync/index.js';
import type { ChannelManager } from '../channels/index.js';
import { GoogleConnectionRejectedError } from './errors.js';
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
  readonly channels: Pick<ChannelManager, 'startWatch' | 'liveChannels' | 'requestSync'>;
  /** Seals the events' personal fields (email, name) under user:<userId>; plaintext without it. */
  readonly personalData?: PersonalDataCodec;
  /** Used when Google names no (valid) locale; the emulator names none. */
  readonly defaultLocale?: string;
  readonly logger?: ConnectionLogger;
  readonly clock?: () => Date;
}

export interface ConnectionReport {
  readonly userId: string;
  /** Event types appended to user-<userId> by this call (empty: nothing changed). */
  readonly appended: readonly string[];
  readonly site: DirectorySite['outcome'] | 'unreadable';
  readonly watch: 'started' | 'kept';
  readonly initialSync: 'completed' | 'failed';
}

const MAXIMUM_ATTEMPTS = 5;
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/**
 * ExchangeGoogleAuthorizationCode (issue 5): exchange the code, verify who consented, store the
 * tokens sealed, record the profile and the directory's Webex site on user-<userId>, watch the
 * primary calendar and run its first sync. Safe to repeat (docs/google-accounts.md).
 */
export class ConnectGoogleAccount {
  private readonly options: ConnectGoogleAccountOptions;
  private readonly clock: () => Date;

  constructor(options: ConnectGoogleAccountOptions) {
    this.options = options;
    this.clock = options.clock ?? (() => new Date());
  }

  /** The command handler: validates the request, answers with the contract's response. */
  async handle(request: unknown): Promise<ExchangeGoogleAuthorizationCodeResponse> {
    const report = await this.connect(ExchangeGoogleAuthorizationCode.parseRequest(request));
    return ExchangeGoogleAuthorizationCode.parseResponse({ userId: report.userId, connected: true });
  }

  async connect(request: ExchangeGoogleAuthorizationCodeRequest): Promise<ConnectionReport> {
    const { tenantId, correlationId } = request;
    const reject = (reason: GoogleConnectionRejectedError['reason'], detail: string, cause?: unknown) =>
      new GoogleConnectionRejectedError(reason, correlationId, detail, cause ? { cause } : undefined);
    if (request.redirectUri !== this.options.redirectUri)
      throw reject('redirect-uri-mismatch', 'the redirect URI is not the one registered for this service');

    let tokens: GoogleTokens;
    try {
      tokens = await this.options.oauth.exchangeCode(request.code);
    } catch (error) {
      // invalid_grant here is a used, expired or foreign code, not a dead account.
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
    const timeZone = await account.calendar.timeZone();
    const site = await this.readDirectorySite(account, correlationId);
    const claims = identity.payload as { name?: unknown; locale?: unknown };
    const profile: DataOf<typeof GoogleAccountConnected> = {
      userId,
      email,
      ...(typeof claims.name === 'string' && claims.name.trim()
        ? { displayName: claims.name.trim().slice(0, 256) }
        : {}),
      locale: this.localeOf(claims.locale),
      timeZone,
      hostedDomain: identity.hostedDomain ?? tenantId,
      scopes: [...tokens.scopes].sort(),
    };
    const appended = await this.recordProfile(
      { tenantId, correlationId },
      profile,
      site.outcome === 'resolved' ? site.siteUrl : undefined,
    );

    // The primary calendar's id is the user's email; CalendarEventChanged and MeetingRequested
    // must name the same calendar id, so we watch it under that id rather than "primary".
    const calendarId = email;
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
   * Appends what changed since the stream last said so: GoogleAccountConnected when the profile
   * differs from the last one recorded, WebexSiteResolved{directory} when the site differs from
   * the last directory site. Both in one append, expecting the revision read; a conflict
   * (another writer of user-<userId>, e.g. webex-bridge, or a concurrent reconnect) re-reads
   * and decides again.
   */
  private async recordProfile(
    request: { tenantId: string; correlationId: string },
    profile: DataOf<typeof GoogleAccountConnected>,
    siteUrl: string | undefined,
  ): Promise<string[]> {
    const streamId = `${GoogleAccountConnected.category}-${profile.userId}`;
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAXIMUM_ATTEMPTS; attempt++) {
      const { events, expected } = await this.readStream(streamId);
      const decoded = await Promise.all(events.map((event) => this.decode(event)));
      const lastProfile = decoded.findLast((event) => event?.type === GoogleAccountConnected.type);
      const lastSite = decoded.findLast(
        (event) =>
          event?.type === WebexSiteResolved.type &&
          (event.data as DataOf<typeof WebexSiteResolved>).source === 'directory',
      );
      const toAppend: EventEnvelope[] = [];
      const occurredAt = this.clock();
      if (!lastProfile || !sameProfile(lastProfile.data as DataOf<typeof GoogleAccountConnected>, profile))
        toAppend.push(
          createEvent(GoogleAccountConnected, {
            streamId,
            tenantId: request.tenantId,
            correlationId: request.correlationId,
            occurredAt,
            data: profile,
          }),
        );
      if (siteUrl !== undefined && (lastSite?.data as { siteUrl?: string } | undefined)?.siteUrl !== siteUrl)
        toAppend.push(
          createEvent(WebexSiteResolved, {
            streamId,
            tenantId: request.tenantId,
            correlationId: request.correlationId,
            occurredAt,
            data: { userId: profile.userId, siteUrl, source: 'directory' },
          }),
        );
      if (toAppend.length === 0) return [];
      const encoded = await Promise.all(toAppend.map((event) => this.encode(event)));
      try {
        await this.options.eventStore.append(streamId, encoded.map(envelopeToEventToAppend), expected);
        return toAppend.map((event) => event.type);
      } catch (error) {
        if (!(error instanceof ExpectedVersionConflictError)) throw error;
        lastError = error;
      }
    }
    throw new StreamContentionError(streamId, MAXIMUM_ATTEMPTS, { cause: lastError });
  }

  private async readStream(
    streamId: string,
  ): Promise<{ events: RecordedEvent[]; expected: ExpectedRevision }> {
    try {
      const events = await this.options.eventStore.readStream(streamId);
      return { events, expected: events.at(-1)?.revision ?? 'no_stream' };
    } catch (error) {
      if (error instanceof StreamNotFoundError) return { events: [], expected: 'no_stream' };
      throw error;
    }
  }

  /** Only our two event types matter here; others on the stream (webex-bridge's) are not decoded. */
  private async decode(event: RecordedEvent): Promise<EventEnvelope | undefined> {
    if (event.type !== GoogleAccountConnected.type && event.type !== WebexSiteResolved.type) return undefined;
    const envelope = recordedEventToEnvelope(event);
    if (!this.options.personalData) return parseEvent(envelope);
    // A redacted field (the user was forgotten) compares unequal, so the profile is recorded again.
    return (await this.options.personalData.decode(envelope)).event;
  }

  private async encode(event: EventEnvelope): Promise<EventEnvelope> {
    if (!this.options.personalData) return event;
    return this.options.personalData.encode(event);
  }
}

function sameProfile(
  left: DataOf<typeof GoogleAccountConnected>,
  right: DataOf<typeof GoogleAccountConnected>,
): boolean {
  return (
    left.userId === right.userId &&
    left.email === right.email &&
    left.displayName === right.displayName &&
    left.locale === right.locale &&
    left.timeZone === right.timeZone &&
    left.hostedDomain === right.hostedDomain &&
    JSON.stringify([...left.scopes].sort()) === JSON.stringify([...right.scopes].sort())
  );
}
