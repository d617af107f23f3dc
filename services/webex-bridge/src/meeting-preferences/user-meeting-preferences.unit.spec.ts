import { describe, expect, it } from '@jest/globals';
import type { ConnectWebexAccount } from '../webex-accounts/connect-webex-account.js';
import type { WebexAccountStream } from '../webex-accounts/webex-account-stream.js';
import type { WebexTokenStore } from '../webex-accounts/webex-token-store.js';
import { UserMeetingPreferences } from './user-meeting-preferences.js';

// Where a new meeting is created when the tenant's administrators set a default template.

const tenantTemplate = { siteUrl: 'demo.webex.com', templateId: 'tenant-template' };

function preferencesWith(preferences: { siteUrl?: string; meetingTemplateId?: string }) {
  return new UserMeetingPreferences({
    tokens: {} as WebexTokenStore,
    accounts: {
      siteFor: async () => ({ siteUrl: 'demo.webex.com', meetingTemplateId: 'account-default' }),
    } as unknown as ConnectWebexAccount,
    accountStream: { current: async () => ({ preferences }) } as unknown as WebexAccountStream,
    tenantDefaultTemplate: async (tenantId) => (tenantId === 'demo.example' ? tenantTemplate : undefined),
  });
}

describe('UserMeetingPreferences.siteFor', () => {
  it("uses the tenant's default template when the user chose none, instead of the account's default", async () => {
    expect(await preferencesWith({}).siteFor('1001', 'demo.example')).toEqual({
      siteUrl: 'demo.webex.com',
      meetingTemplateId: 'tenant-template',
    });
  });

  it("keeps the user's own template", async () => {
    const chosen = preferencesWith({ siteUrl: 'demo.webex.com', meetingTemplateId: 'mine' });
    expect(await chosen.siteFor('1001', 'demo.example')).toEqual({
      siteUrl: 'demo.webex.com',
      meetingTemplateId: 'mine',
    });
  });

  it("never puts the tenant's template on another site, where Webex would refuse it", async () => {
    expect(await preferencesWith({ siteUrl: 'board.webex.com' }).siteFor('1001', 'demo.example')).toEqual({
      siteUrl: 'board.webex.com',
    });
  });

  it('keeps the account default for a tenant without a default template', async () => {
    expect(await preferencesWith({}).siteFor('1001', 'other.example')).toEqual({
      siteUrl: 'demo.webex.com',
      meetingTemplateId: 'account-default',
    });
  });
});
