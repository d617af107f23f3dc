import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { EmulatorClock } from '../core/clock.js';
import { ruleOccurrences, type RuleOccurrence } from './recurrence.js';
import { isIanaTimeZone } from './time-zones.js';

export interface WebexSite {
  siteUrl: string;
  default: boolean;
}

export interface WebexUser {
  id: string;
  email: string;
  displayName: string;
  firstName: string;
  lastName: string;
  timezone: string;
  sites: WebexSite[];
  created: string;
}

export interface WebexUserSeed {
  email: string;
  displayName?: string;
  firstName?: string;
  lastName?: string;
  timezone?: string;
  /** The first site is the default unless one says `default: true`. */
  sites?: Array<{ siteUrl: string; default?: boolean }>;
}

export interface WebexOAuthClient {
  clientId: string;
  clientSecret: string;
  /** Empty: any redirect URI is accepted (handy for local development). */
  redirectUris: string[];
}

export interface IssuedToken {
  token: string;
  kind: 'access' | 'refresh';
  clientId: string;
  userId: string;
  scopes: string[];
  expiresAtMs: number;
  revoked: boolean;
  /** For access tokens: the refresh token they were issued with. */
  refreshToken?: string;
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  /** PKCE (RFC 7636), when the authorization request sent a challenge. */
  codeChallenge?: { value: string; method: 'S256' | 'plain' };
  expiresAtMs: number;
  used: boolean;
}

export interface Invitee {
  /** "<meeting id>_<digits>", as Webex's meeting invitee ids look. */
  id: string;
  email: string;
  /** As given; answers fall back to the Webex account's name, then to the email. */
  displayName?: string;
  coHost?: boolean;
  panelist?: boolean;
}

/** One occurrence of a series changed or deleted on its own (Webex's `isModified` scheduled meeting). */
export interface OccurrenceException {
  deleted: boolean;
  startMs: number;
  endMs: number;
  title?: string;
  /** null: the occurrence's agenda was removed. */
  agenda?: string | null;
  password?: string;
  updatedAtMs: number;
}

/**
 * A meeting series: without `recurrence` it has one occurrence (as a plain meeting is in Webex);
 * with it, its occurrences follow the rule from `startMs`/`endMs`, the first occurrence.
 */
export interface StoredMeeting {
  id: string;
  meetingNumber: string;
  title: string;
  agenda?: string;
  password: string;
  phoneAndVideoSystemPassword: string;
  hostKey: string;
  startMs: number;
  endMs: number;
  timezone: string;
  /** The RRULE value (no "RRULE:" prefix) as Webex keeps it; absent for a one-off meeting. */
  recurrence?: string;
  /** Per occurrence id: occurrences changed or deleted one by one. Emptied when the series' times or rule change. */
  exceptions: Map<string, OccurrenceException>;
  hostUserId: string;
  siteUrl: string;
  webLinkToken: string;
  integrationTags: string[];
  /** integrationTags are visible to (and filterable by) the OAuth client that set them only. */
  integrationTagsClientId: string;
  templateId?: string;
  state: 'active' | 'inProgress' | 'expired';
  /** The instance id Webex gives a run of the meeting ("<series>_I_<digits>"), once started. */
  instanceId?: string;
  createdAtMs: number;
  updatedAtMs: number;
  deletedAtMs?: number;
}

export interface StoredWebhook {
  id: string;
  ownerUserId: string;
  clientId: string;
  name: string;
  targetUrl: string;
  resource: string;
  event: string;
  filter?: string;
  secret?: string;
  status: 'active' | 'inactive';
  created: string;
}

export interface MeetingTemplate {
  id: string;
  name: string;
  locale: string;
  siteUrl: string;
  templateType: 'meeting' | 'webinar';
  isDefault: boolean;
  isStandard: boolean;
}

/** Base64 of "ciscospark://us/<KIND>/<uuid>" without padding, as Webex ids look. */
export function sparkId(
  kind: 'PEOPLE' | 'WEBHOOK' | 'ORGANIZATION' | 'APPLICATION',
  uuid: string = randomUUID(),
): string {
  return Buffer.from(`ciscospark://us/${kind}/${uuid}`).toString('base64').replace(/=+$/, '');
}

function digits(count: number): string {
  let text = String(randomInt(1, 10));
  while (text.length < count) text += String(randomInt(0, 10));
  return text;
}

function meetingPassword(): string {
  // Site default complexity: mixed case and digits.
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789';
  let password = '';
  while (!/[A-Z]/.test(password) || !/[a-z]/.test(password) || !/\d/.test(password)) {
    password = Array.from({ length: 8 }, () => alphabet[randomInt(0, alphabet.length)]).join('');
  }
  return password;
}

/** Everything the Webex emulator knows. Routes read and change it; the control API inspects it. */
export class WebexState {
  readonly users = new Map<string, WebexUser>();
  readonly clients = new Map<string, WebexOAuthClient>();
  readonly tokens = new Map<string, IssuedToken>();
  readonly codes = new Map<string, AuthorizationCode>();
  /** Scopes a user declines on the consent screen, by Webex user id (control API). */
  readonly withheldScopes = new Map<string, string[]>();
  readonly meetings = new Map<string, StoredMeeting>();
  /** Per meeting id: its invitees, in the order they were invited. */
  readonly invitees = new Map<string, Invitee[]>();
  readonly webhooks = new Map<string, StoredWebhook>();
  readonly templates: MeetingTemplate[] = [];
  /** Per user: when each POST /meetings attempt arrived (emulator clock), for the 100-per-24h limit. */
  readonly createAttempts = new Map<string, number[]>();
  readonly orgId = sparkId('ORGANIZATION');
  private lastInviteeNumber = randomInt(1_000_000, 5_000_000);

  constructor(readonly clock: EmulatorClock) {}

  seedUser(seed: WebexUserSeed): WebexUser {
    if (seed.timezone !== undefined && !isIanaTimeZone(seed.timezone))
      throw new RangeError(`timezone ${seed.timezone} is not an IANA time zone`);
    const email = seed.email.trim().toLowerCase();
    const existing = [...this.users.values()].find((user) => user.email === email);
    const [localPart = email] = email.split('@');
    const sites = (
      seed.sites?.length ? seed.sites : [{ siteUrl: `${localPart.replace(/[^a-z0-9]/g, '')}.webex.com` }]
    ).map((site, index, all) => ({
      siteUrl: site.siteUrl,
      default: site.default ?? (index === 0 && !all.some((other) => other.default)),
    }));
    const firstName = seed.firstName ?? seed.displayName?.split(' ')[0] ?? localPart;
    const lastName = seed.lastName ?? seed.displayName?.split(' ').slice(1).join(' ') ?? '';
    const user: WebexUser = {
      id: existing?.id ?? sparkId('PEOPLE'),
      email,
      displayName: seed.displayName ?? `${firstName} ${lastName}`.trim(),
      firstName,
      lastName,
      timezone: seed.timezone ?? 'UTC',
      sites,
      created: existing?.created ?? this.clock.now().toISOString(),
    };
    this.users.set(user.id, user);
    for (const site of sites) this.ensureTemplates(site.siteUrl);
    return user;
  }

  userByEmail(email: string): WebexUser | undefined {
    const wanted = email.trim().toLowerCase();
    return [...this.users.values()].find((user) => user.email === wanted);
  }

  /** A meeting this user hosts and has not deleted; anyone else's meeting does not exist for them. */
  hostedMeeting(hostUserId: string, meetingId: string): StoredMeeting | undefined {
    const meeting = this.meetings.get(meetingId);
    return meeting && meeting.deletedAtMs === undefined && meeting.hostUserId === hostUserId
      ? meeting
      : undefined;
  }

  /**
   * A series this user hosts, or one occurrence of it by its id ("<series id>_<yyyymmddThhmmssZ>");
   * an occurrence deleted on its own no longer exists.
   */
  hostedSeriesOrOccurrence(
    hostUserId: string,
    id: string,
  ): { series: StoredMeeting; occurrence?: RuleOccurrence } | undefined {
    const series = this.hostedMeeting(hostUserId, id);
    if (series) return { series };
    const separator = id.lastIndexOf('_');
    if (separator === -1) return undefined;
    const parent = this.hostedMeeting(hostUserId, id.slice(0, separator));
    if (!parent || parent.exceptions.get(id)?.deleted) return undefined;
    const occurrence = ruleOccurrences(parent).find((candidate) => candidate.id === id);
    return occurrence ? { series: parent, occurrence } : undefined;
  }

  defaultSite(user: WebexUser): string {
    return (user.sites.find((site) => site.default) ?? user.sites[0])!.siteUrl;
  }

  private ensureTemplates(siteUrl: string): void {
    if (this.templates.some((template) => template.siteUrl === siteUrl)) return;
    const base = randomBytes(12).toString('hex');
    this.templates.push(
      {
        id: `${base}01`,
        name: 'Meeting template 1',
        locale: 'en_US',
        siteUrl,
        templateType: 'meeting',
        isDefault: true,
        isStandard: true,
      },
      {
        id: `${base}02`,
        name: 'Large meeting',
        locale: 'en_US',
        siteUrl,
        templateType: 'meeting',
        isDefault: false,
        isStandard: false,
      },
      {
        id: `${base}03`,
        name: 'Webinar template',
        locale: 'en_US',
        siteUrl,
        templateType: 'webinar',
        isDefault: true,
        isStandard: true,
      },
    );
  }

  issueTokens(
    clientId: string,
    userId: string,
    scopes: string[],
    accessLifetimeMs: number,
    refresh: { token: string; expiresAtMs: number },
  ) {
    const access: IssuedToken = {
      token: randomBytes(32).toString('base64url'),
      kind: 'access',
      clientId,
      userId,
      scopes,
      expiresAtMs: this.clock.nowMs() + accessLifetimeMs,
      revoked: false,
      refreshToken: refresh.token,
    };
    this.tokens.set(access.token, access);
    if (!this.tokens.has(refresh.token)) {
      this.tokens.set(refresh.token, {
        token: refresh.token,
        kind: 'refresh',
        clientId,
        userId,
        scopes,
        expiresAtMs: refresh.expiresAtMs,
        revoked: false,
      });
    }
    return { access, refresh: this.tokens.get(refresh.token)! };
  }

  newRefreshToken(lifetimeMs: number): { token: string; expiresAtMs: number } {
    return { token: randomBytes(48).toString('base64url'), expiresAtMs: this.clock.nowMs() + lifetimeMs };
  }

  /** Revokes refresh tokens (and the access tokens issued with them). Returns how many refresh tokens died. */
  revokeRefreshTokens(filter: { refreshToken?: string; userId?: string; clientId?: string }): number {
    let revoked = 0;
    for (const token of this.tokens.values()) {
      if (token.kind !== 'refresh' || token.revoked) continue;
      if (filter.refreshToken && token.token !== filter.refreshToken) continue;
      if (filter.userId && token.userId !== filter.userId) continue;
      if (filter.clientId && token.clientId !== filter.clientId) continue;
      token.revoked = true;
      revoked++;
      for (const access of this.tokens.values())
        if (access.refreshToken === token.token) access.revoked = true;
    }
    return revoked;
  }

  newMeetingIdentity(siteUrl: string) {
    // Series ids end in "0402" (see the Webex docs' examples); the rest is random hex.
    const id = `${randomBytes(14).toString('hex')}0402`;
    const meetingNumber = digits(10);
    return {
      id,
      meetingNumber,
      password: meetingPassword(),
      phoneAndVideoSystemPassword: digits(8),
      hostKey: digits(6),
      webLinkToken: `m${randomBytes(16).toString('hex')}`,
      siteUrl,
    };
  }

  /** Webex numbers invitees in one rising sequence ("…0402_2628957", "…0402_2628962"). */
  newInviteeId(meetingId: string): string {
    this.lastInviteeNumber += randomInt(1, 6);
    return `${meetingId}_${this.lastInviteeNumber}`;
  }

  newInstanceId(meetingId: string): string {
    return `${meetingId}_I_${digits(18)}`;
  }

  reset(): void {
    this.tokens.clear();
    this.codes.clear();
    this.withheldScopes.clear();
    this.meetings.clear();
    this.invitees.clear();
    this.webhooks.clear();
    this.createAttempts.clear();
  }
}
