import {
  ChangeMeetingPreferences,
  ListMeetingOptions,
  type RequestOf,
  type ResponseOf,
} from '@scheduler/contracts';
import { positionToString } from '@scheduler/event-store';
import { withTimeout } from '@scheduler/resilience';
import {
  ReauthorizationRequired,
  TimeoutError,
  WebexApiError,
  WebexRateLimited,
  type WebexClient,
} from '@scheduler/webex';
import { transientWebexFailure } from '../meetings/webex-failure.js';
import type { ConnectWebexAccount } from '../webex-accounts/connect-webex-account.js';
import { WebexSiteNotAllowedError } from '../webex-accounts/errors.js';
import { allowedWebexSite } from '../webex-accounts/site-url.js';
import type { WebexAccountStream } from '../webex-accounts/webex-account-stream.js';
import type { WebexTokenStore } from '../webex-accounts/webex-token-store.js';
import { applyPreferencesChange, preferredSite, type SiteChoice } from './preferred-site.js';

type MeetingOptionsAnswer = ResponseOf<typeof ListMeetingOptions>;
type ChangeAnswer = ResponseOf<typeof ChangeMeetingPreferences>;
type Listed = Extract<MeetingOptionsAnswer, { outcome: 'listed' }>;
type Unreachable = { outcome: 'account-unavailable' } | { outcome: 'webex-unavailable' };

export interface UserMeetingPreferencesOptions {
  readonly tokens: WebexTokenStore;
  /** The resolved site (the directory's, else the account's default) and its template. */
  readonly accounts: ConnectWebexAccount;
  readonly accountStream: WebexAccountStream;
  /**
   * How long listing or checking against Webex may take before the answer is `webex-unavailable`:
   * a person is waiting, and the client's retries alone could outlast the caller's patience.
   * Default 5 s.
   */
  readonly webexDeadlineMs?: number;
  /** The tenant's default meeting template and its site, as its administrators recorded them. */
  readonly tenantDefaultTemplate?: (
    tenantId: string,
  ) => Promise<{ readonly siteUrl: string; readonly templateId: string } | undefined>;
}

const defaultWebexDeadlineMs = 5_000;
// A Webex account has a handful of sites; more would mean one template request each.
const MAXIMUM_SITES = 20;

/** Webex refused to list a site's templates (a site the account cannot host on): it offers none. */
const refusedForSite = (error: unknown) =>
  error instanceof WebexApiError &&
  !(error instanceof WebexRateLimited) &&
  error.status >= 400 &&
  error.status < 500 &&
  error.status !== 401;

/**
 * The user's meeting preferences: what their Webex account offers (sites and meeting
 * templates), a choice checked against it and recorded on `webexAccount-<userId>`
 * (MeetingPreferencesChanged), and the site and template new meetings are created on.
 */
export class UserMeetingPreferences {
  private readonly webexDeadlineMs: number;

  constructor(private readonly options: UserMeetingPreferencesOptions) {
    this.webexDeadlineMs = options.webexDeadlineMs ?? defaultWebexDeadlineMs;
  }

  /** The ListMeetingOptions handler. */
  async listOptions(request: RequestOf<typeof ListMeetingOptions>): Promise<MeetingOptionsAnswer> {
    return this.withWebex(request.userId, (webex) => this.optionsOf(webex, request.userId));
  }

  /**
   * The ChangeMeetingPreferences handler. A site or template is checked against what the user's
   * Webex account offers now; a template is checked on the site it will be used with, and that
   * site is recorded with it. A language alone needs no Webex.
   */
  async change(request: RequestOf<typeof ChangeMeetingPreferences>): Promise<ChangeAnswer> {
    const { userId, tenantId } = request;
    let change = {
      ...(request.siteUrl !== undefined ? { siteUrl: request.siteUrl } : {}),
      ...(request.meetingTemplateId !== undefined ? { meetingTemplateId: request.meetingTemplateId } : {}),
      ...(request.language !== undefined ? { language: request.language } : {}),
    };
    const checksSite = typeof request.siteUrl === 'string';
    const checksTemplate = typeof request.meetingTemplateId === 'string';
    if (checksSite || checksTemplate) {
      const current = await this.options.accountStream.current(userId);
      // The site the template must belong to: the one chosen now, else the one in use.
      const site =
        typeof request.siteUrl === 'string'
          ? request.siteUrl
          : preferredSite(
              await this.options.accounts.siteFor(userId),
              request.siteUrl === null ? {} : current.preferences,
            )?.siteUrl;
      const checked = await this.withWebex(userId, async (webex): Promise<ChangeAnswer | undefined> => {
        if (checksSite) {
          const sites = await this.sitesOf(webex, userId);
          if (!sites.some((offered) => offered.siteUrl === request.siteUrl))
            return { outcome: 'refused', field: 'siteUrl', reason: 'unknown-site' };
        }
        if (checksTemplate) {
          const templates = site ? await this.templatesOf(webex, site) : [];
          if (!templates.some((template) => template.id === request.meetingTemplateId))
            return { outcome: 'refused', field: 'meetingTemplateId', reason: 'unknown-template' };
        }
        return undefined;
      });
      if (checked) return checked;
      // A template choice pins the site it was checked on, so it is never used on another one.
      if (checksTemplate && site) change = { ...change, siteUrl: site };
    }
    const recorded = await this.options.accountStream.changePreferences(
      userId,
      tenantId,
      (current) => applyPreferencesChange(current, change),
      { correlationId: request.correlationId },
    );
    return ChangeMeetingPreferences.parseResponse(
      recorded.position
        ? {
            outcome: 'changed',
            position: positionToString(recorded.position),
            preferences: recorded.preferences,
          }
        : { outcome: 'unchanged', preferences: recorded.preferences },
    );
  }

  /**
   * Where the user's next meeting is created: their preferred site and template first, then the
   * directory's site, then the account's default (see preferredSite). A user who chose no
   * template gets the tenant's default template when its administrators set one for that site
   * (a template belongs to one site). Undefined when the account is not connected.
   */
  async siteFor(userId: string, tenantId?: string): Promise<SiteChoice | undefined> {
    const resolved = await this.options.accounts.siteFor(userId);
    if (!resolved) return undefined;
    const { preferences } = await this.options.accountStream.current(userId);
    const choice = preferredSite(resolved, preferences);
    if (!choice || preferences.meetingTemplateId || tenantId === undefined) return choice;
    const tenantTemplate = await this.options.tenantDefaultTemplate?.(tenantId);
    return tenantTemplate?.siteUrl === choice.siteUrl
      ? { ...choice, meetingTemplateId: tenantTemplate.templateId }
      : choice;
  }

  private async optionsOf(webex: WebexClient, userId: string): Promise<Listed> {
    const sites = await this.sitesOf(webex, userId);
    const templates = await Promise.all(sites.map((site) => this.templatesOf(webex, site.siteUrl)));
    return ListMeetingOptions.parseResponse({
      outcome: 'listed',
      sites,
      templates: templates.flat(),
    }) as Listed;
  }

  /** The account's sites that pass the allow-list (the only hosts we ever call or create on). */
  private async sitesOf(webex: WebexClient, userId: string) {
    const sites: Array<{ siteUrl: string; default: boolean }> = [];
    for (const site of (await webex.listSites()).slice(0, MAXIMUM_SITES)) {
      try {
        const siteUrl = allowedWebexSite(site.siteUrl, { userId, source: 'webex-account' });
        if (!sites.some((known) => known.siteUrl === siteUrl)) sites.push({ siteUrl, default: site.default });
      } catch (error) {
        if (!(error instanceof WebexSiteNotAllowedError)) throw error;
      }
    }
    return sites;
  }

  private async templatesOf(webex: WebexClient, siteUrl: string) {
    try {
      const templates = await webex.listMeetingTemplates({ templateType: 'meeting', siteUrl });
      return templates
        .filter((template) => template.templateType === 'meeting')
        .map((template) => ({
          id: template.id,
          name: template.name.slice(0, 256),
          siteUrl,
          isDefault: template.isDefault,
        }));
    } catch (error) {
      if (refusedForSite(error)) return [];
      throw error;
    }
  }

  /**
   * Runs `work` as the user in Webex within the deadline. A dead authorization answers
   * `account-unavailable`; an outage, a rate limit or the deadline `webex-unavailable`.
   * Anything else is ours and is thrown (the caller gets the command's error).
   */
  private async withWebex<Result>(
    userId: string,
    work: (webex: WebexClient) => Promise<Result>,
  ): Promise<Result | Unreachable> {
    try {
      return await withTimeout('asking Webex for the meeting options', this.webexDeadlineMs, async () =>
        work(await this.options.tokens.webexClientFor(userId)),
      );
    } catch (error) {
      if (error instanceof ReauthorizationRequired) return { outcome: 'account-unavailable' };
      if (error instanceof WebexApiError && error.status === 401) return { outcome: 'account-unavailable' };
      if (error instanceof TimeoutError || transientWebexFailure(error))
        return { outcome: 'webex-unavailable' };
      throw error;
    }
  }
}
