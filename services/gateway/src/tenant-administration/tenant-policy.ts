import { Inject, Injectable } from '@nestjs/common';
import type { TenantSettings } from '@scheduler/contracts';
import { SERVICE_CONFIG } from '@scheduler/runtime';
import {
  HostedDomainNotAllowedError,
  TenantDisabledError,
  WebexSiteNotAllowedError,
} from '../api-errors/api-errors.js';
import type { GatewayConfig } from '../config.js';
import { TenantsReadModel } from './tenants-read-model.js';

/** A tenant's settings in force, and where they come from. */
export interface TenantPolicyView {
  readonly tenantId: string;
  readonly settings: TenantSettings;
  /** `settings`: recorded by an administrator; `defaults`: none yet, the deployment's lists apply. */
  readonly source: 'settings' | 'defaults';
  readonly changedBy?: string;
  readonly changedAt?: string;
}

/**
 * The tenant settings the gateway enforces: its administrators' (the tenants read model), or,
 * for a tenant with none recorded yet, the deployment's bootstrap defaults: enabled when
 * ALLOWED_HOSTED_DOMAINS names it, any Webex site, no default template, retention's own policy.
 */
@Injectable()
export class TenantPolicy {
  private readonly bootstrapDomains: ReadonlySet<string>;

  constructor(
    private readonly tenants: TenantsReadModel,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
  ) {
    this.bootstrapDomains = new Set(config.ALLOWED_HOSTED_DOMAINS);
  }

  /** Undefined for a Workspace this deployment does not serve (neither listed nor ever configured). */
  async policyOf(tenantId: string): Promise<TenantPolicyView | undefined> {
    const view = await this.tenants.tenant(tenantId);
    if (view)
      return {
        tenantId,
        settings: view.settings,
        source: 'settings',
        changedBy: view.changedBy,
        changedAt: view.changedAt,
      };
    if (!this.bootstrapDomains.has(tenantId)) return undefined;
    return {
      tenantId,
      source: 'defaults',
      settings: {
        enabled: true,
        retentionAfterEndSeconds: null,
        allowedWebexSites: null,
        defaultMeetingTemplate: null,
      },
    };
  }

  /**
   * Admits a caller of the tenant: 403 `hosted_domain_not_allowed` for a Workspace not served,
   * 403 `tenant_disabled` for a disabled one (unless `allowDisabled`: its administrators must
   * still reach the settings to enable it again).
   */
  async admit(tenantId: string, options: { allowDisabled?: boolean } = {}): Promise<TenantPolicyView> {
    const policy = await this.policyOf(tenantId);
    if (!policy) throw new HostedDomainNotAllowedError();
    if (!policy.settings.enabled && !options.allowDisabled) throw new TenantDisabledError(policy.changedAt);
    return policy;
  }

  /** Refuses a Webex site the tenant's administrators do not allow (403 `webex_site_not_allowed`). */
  async checkSite(tenantId: string, siteUrl: string): Promise<void> {
    const allowed = (await this.policyOf(tenantId))?.settings.allowedWebexSites;
    if (allowed && !allowed.includes(siteUrl)) throw new WebexSiteNotAllowedError(siteUrl, allowed);
  }
}
