import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CommandFailedError,
  CommandUnansweredError,
  sendCommand,
  type JetStreamClient,
} from '@scheduler/bus';
import {
  ChangeMeetingPreferences,
  ListMeetingOptions,
  type RequestOf,
  type ResponseOf,
} from '@scheduler/contracts';
import { positionFromString } from '@scheduler/event-store';
import { BUS_CLIENT } from '@scheduler/runtime';
import type { Principal } from '../authentication/identity-verifier.js';
import {
  PreferenceNotOfferedError,
  ServiceUnavailableError,
  UpstreamFailedError,
  WebexAccountNotConnectedError,
} from '../api-errors/api-errors.js';
import { type AccountConnection, type SiteSource, siteInUse } from './accounts-projection.js';
import { AccountsReadModel } from './accounts-read-model.js';
import { TenantPolicy } from '../tenant-administration/tenant-policy.js';

// How long a changed preference waits to reach the read model, so the caller's next GET sees it.
const READ_YOUR_WRITES_TIMEOUT_MS = 3000;

type Listed = Extract<ResponseOf<typeof ListMeetingOptions>, { outcome: 'listed' }>;

/** Why the sites and templates on offer are not in the answer. */
export type OptionsUnavailableReason =
  'webex-not-connected' | 'webex-unavailable' | 'webex-bridge-unavailable';

/** The user's preferences as the API names them. */
export interface PreferencesResource {
  readonly siteUrl?: string;
  readonly templateId?: string;
  readonly language?: string;
}

/** GET /v1/me. */
export interface AccountStatusResource {
  readonly google: AccountConnection;
  readonly webex: AccountConnection;
  readonly site: { readonly siteUrl: string; readonly source: SiteSource } | null;
  readonly template: { readonly id: string; readonly name?: string } | null;
  readonly language: string | null;
  readonly timeZone: string | null;
  readonly preferences: PreferencesResource;
  readonly options: {
    readonly sites: Listed['sites'];
    readonly templates: Listed['templates'];
  } | null;
  readonly optionsUnavailable?: { readonly reason: OptionsUnavailableReason };
}

export type PreferencesChange = Omit<
  RequestOf<typeof ChangeMeetingPreferences>,
  'tenantId' | 'userId' | 'correlationId' | 'meetingTemplateId'
> & { readonly templateId?: string | null };

const toPreferencesResource = (preferences: {
  siteUrl?: string;
  meetingTemplateId?: string;
  language?: string;
}): PreferencesResource => ({
  ...(preferences.siteUrl ? { siteUrl: preferences.siteUrl } : {}),
  ...(preferences.meetingTemplateId ? { templateId: preferences.meetingTemplateId } : {}),
  ...(preferences.language ? { language: preferences.language } : {}),
});

/**
 * The user's account status and meeting preferences. The connections, site and preferences come
 * from the accounts read model; the sites and templates on offer, and the check of a new choice,
 * from webex-bridge (ListMeetingOptions, ChangeMeetingPreferences), which alone holds the Webex
 * tokens. Webex being unreachable never fails the status: its options are then left out.
 */
@Injectable()
export class AccountStatus {
  private readonly logger = new Logger('AccountStatus');

  constructor(
    @Inject(BUS_CLIENT) private readonly bus: JetStreamClient,
    private readonly readModel: AccountsReadModel,
    private readonly tenants: TenantPolicy,
  ) {}

  async statusOf(principal: Principal): Promise<AccountStatusResource> {
    const [view, offered, policy] = await Promise.all([
      this.readModel.accountsOf(principal),
      this.optionsOf(principal),
      this.tenants.policyOf(principal.tenantId),
    ]);
    // Only what the tenant's administrators allow is offered, and their default template is the
    // one webex-bridge uses on its site for a user who chose none.
    const allowed = policy?.settings.allowedWebexSites;
    const options =
      'templates' in offered && allowed
        ? {
            ...offered,
            sites: offered.sites.filter((offer) => allowed.includes(offer.siteUrl)),
            templates: offered.templates.filter((template) => allowed.includes(template.siteUrl)),
          }
        : offered;
    const inUse = view ? siteInUse(view) : undefined;
    const tenantTemplate = policy?.settings.defaultMeetingTemplate;
    const site =
      inUse && !view?.preferences.meetingTemplateId && tenantTemplate?.siteUrl === inUse.siteUrl
        ? { ...inUse, meetingTemplateId: tenantTemplate.templateId }
        : inUse;
    const templateName =
      site?.meetingTemplateId && 'templates' in options
        ? options.templates.find(
            (template) => template.id === site.meetingTemplateId && template.siteUrl === site.siteUrl,
          )?.name
        : undefined;
    return {
      google: view?.google ?? { status: 'not-connected' },
      webex: view?.webex ?? { status: 'not-connected' },
      site: site ? { siteUrl: site.siteUrl, source: site.source } : null,
      template: site?.meetingTemplateId
        ? { id: site.meetingTemplateId, ...(templateName !== undefined ? { name: templateName } : {}) }
        : null,
      language: view?.preferences.language ?? view?.locale ?? null,
      timeZone: view?.timeZone ?? null,
      preferences: toPreferencesResource(view?.preferences ?? {}),
      ...('templates' in options
        ? { options: { sites: options.sites, templates: options.templates } }
        : { options: null, optionsUnavailable: options }),
    };
  }

  /** Records the change through webex-bridge; resolves with the preferences as they now stand. */
  async changePreferences(
    principal: Principal,
    change: PreferencesChange,
    correlationId: string,
  ): Promise<{ preferences: PreferencesResource }> {
    const { templateId, ...rest } = change;
    // The tenant's administrators may allow only some sites: refused before Webex is asked.
    if (typeof change.siteUrl === 'string') await this.tenants.checkSite(principal.tenantId, change.siteUrl);
    let answer: ResponseOf<typeof ChangeMeetingPreferences>;
    try {
      answer = await sendCommand(this.bus, ChangeMeetingPreferences, {
        tenantId: principal.tenantId,
        userId: principal.userId,
        correlationId,
        ...rest,
        ...(templateId !== undefined ? { meetingTemplateId: templateId } : {}),
      });
    } catch (error) {
      if (error instanceof CommandFailedError)
        throw new UpstreamFailedError('preference_change', { cause: error });
      if (error instanceof CommandUnansweredError)
        throw new ServiceUnavailableError('preference_change', { cause: error });
      throw error;
    }
    switch (answer.outcome) {
      case 'refused':
        throw new PreferenceNotOfferedError([
          answer.field === 'siteUrl'
            ? { path: 'siteUrl', message: 'is not a site of your Webex account' }
            : { path: 'templateId', message: 'is not a meeting template of the Webex site' },
        ]);
      case 'account-unavailable':
        throw new WebexAccountNotConnectedError();
      case 'webex-unavailable':
        throw new ServiceUnavailableError('checking_preference');
      case 'changed':
        if (
          !(await this.readModel.caughtUpTo(positionFromString(answer.position), READ_YOUR_WRITES_TIMEOUT_MS))
        )
          this.logger.warn({ message: 'accounts read model is behind; answering anyway', correlationId });
        return { preferences: toPreferencesResource(answer.preferences) };
      case 'unchanged':
        return { preferences: toPreferencesResource(answer.preferences) };
    }
  }

  /** What the user's Webex account offers, or why that is not known now. */
  private async optionsOf(principal: Principal): Promise<Listed | { reason: OptionsUnavailableReason }> {
    let answer: ResponseOf<typeof ListMeetingOptions>;
    try {
      answer = await sendCommand(this.bus, ListMeetingOptions, {
        tenantId: principal.tenantId,
        userId: principal.userId,
      });
    } catch (error) {
      // The status is still worth answering without the options: name the failure, do not fail.
      this.logger.warn({
        message: 'webex-bridge did not list the meeting options',
        errorName: error instanceof Error ? error.name : typeof error,
      });
      return { reason: 'webex-bridge-unavailable' };
    }
    if (answer.outcome === 'listed') return answer;
    return { reason: answer.outcome === 'account-unavailable' ? 'webex-not-connected' : 'webex-unavailable' };
  }
}
