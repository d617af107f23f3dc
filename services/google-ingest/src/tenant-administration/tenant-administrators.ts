import { CircuitOpenError, GoogleApiError, ReauthorizationRequired } from '@scheduler/google';
import type { GoogleTokenStore } from '../google-accounts/google-token-store.js';

export type AdministratorCheck =
  'administrator' | 'not-administrator' | 'account-unavailable' | 'google-unavailable';

/**
 * Whether a user administers their tenant: Google's Directory answers, with the user's own
 * token (we hold no administrator credential of any Workspace). Asked every time, not cached,
 * so an administrator whose role is taken away in Google loses access at once.
 */
export class TenantAdministrators {
  constructor(private readonly tokens: Pick<GoogleTokenStore, 'lookup'>) {}

  async check(tenantId: string, userId: string): Promise<AdministratorCheck> {
    const lookup = await this.tokens.lookup(userId);
    if (lookup.state !== 'connected') return 'account-unavailable';
    const { account } = lookup;
    // The account belongs to another Workspace than the one asked about: not its administrator.
    if (account.tenantId !== tenantId) return 'not-administrator';
    try {
      return (await account.directory.isWorkspaceAdministrator(account.email, userId))
        ? 'administrator'
        : 'not-administrator';
    } catch (error) {
      if (error instanceof CircuitOpenError || (error instanceof GoogleApiError && error.transient))
        return 'google-unavailable';
      // A grant Google refused (the token store's client records the disconnection itself).
      if (
        error instanceof ReauthorizationRequired ||
        (error instanceof GoogleApiError && error.status === 401)
      )
        return 'account-unavailable';
      throw error;
    }
  }
}
