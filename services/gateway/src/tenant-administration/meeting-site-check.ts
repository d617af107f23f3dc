import { Injectable } from '@nestjs/common';
import { WebexSiteNotAllowedError } from '../api-errors/api-errors.js';
import type { Principal } from '../authentication/identity-verifier.js';
import { siteInUse } from '../me/accounts-projection.js';
import { AccountsReadModel } from '../me/accounts-read-model.js';
import { TenantPolicy } from './tenant-policy.js';

/**
 * Refuses a new meeting (or a retry) whose Webex site, the one webex-bridge would create it on
 * (the user's choice, the directory's, or the account's default), the tenant's administrators do
 * not allow: the user chooses an allowed one first (PUT /v1/me/preferences).
 */
@Injectable()
export class MeetingSiteCheck {
  constructor(
    private readonly policy: TenantPolicy,
    private readonly accounts: AccountsReadModel,
  ) {}

  async check(principal: Principal): Promise<void> {
    const allowed = (await this.policy.policyOf(principal.tenantId))?.settings.allowedWebexSites;
    if (!allowed) return;
    const view = await this.accounts.accountsOf(principal);
    const site = view ? siteInUse(view) : undefined;
    // No site known yet (Webex not connected): nothing to refuse before webex-bridge knows one.
    if (site && !allowed.includes(site.siteUrl)) throw new WebexSiteNotAllowedError(site.siteUrl, allowed);
  }
}
