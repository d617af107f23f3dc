import { Injectable } from '@nestjs/common';
import { userLanguage } from '@scheduler/i18n';
import type { UserLanguages } from '../api-errors/api-exception.filter.js';
import type { Principal } from '../authentication/identity-verifier.js';
import { GatewayReadModel } from '../read-models/gateway-projection.js';
import { type AccountsView, accountsProjection } from './accounts-projection.js';

/**
 * The gateway's accounts read model: each user's Google and Webex connections, Webex site and
 * preferences, projected while the gateway runs and always read for the caller's own tenant and
 * user.
 */
@Injectable()
export class AccountsReadModel extends GatewayReadModel<AccountsView> implements UserLanguages {
  protected readonly projection = accountsProjection;
  // The accounts' email addresses are stored sealed; the projection sees them opened.
  protected readonly label = 'accounts';

  /** The caller's accounts; undefined when nothing is known about them yet (or in another tenant). */
  async accountsOf(principal: Pick<Principal, 'tenantId' | 'userId'>): Promise<AccountsView | undefined> {
    const view = (await this.documents().get(principal.userId))?.document;
    return view && view.tenantId === principal.tenantId ? view : undefined;
  }

  /** The language the user reads (preference, else Google locale); undefined for a user not known yet. */
  async languageOf(principal: Pick<Principal, 'tenantId' | 'userId'>): Promise<string | undefined> {
    const view = await this.accountsOf(principal);
    return view ? userLanguage({ preference: view.preferences.language, locale: view.locale }) : undefined;
  }
}
