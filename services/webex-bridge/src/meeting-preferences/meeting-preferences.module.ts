import { Module } from '@nestjs/common';
import type { EventStore } from '@scheduler/event-store';
import { EVENT_STORE, recordedTenantSettings } from '@scheduler/runtime';
import { ConnectWebexAccount } from '../webex-accounts/connect-webex-account.js';
import { WebexAccountStream } from '../webex-accounts/webex-account-stream.js';
import { WebexAccountsModule } from '../webex-accounts/webex-accounts.module.js';
import { WebexTokenStore } from '../webex-accounts/webex-token-store.js';
import { MeetingPreferencesHandlers } from './meeting-preferences.handlers.js';
import { UserMeetingPreferences } from './user-meeting-preferences.js';

/**
 * The user's meeting preferences: the sites and templates their Webex account offers, their
 * choice among them (on `webexAccount-<userId>`), and the site new meetings are created on.
 */
@Module({
  imports: [WebexAccountsModule],
  controllers: [MeetingPreferencesHandlers],
  providers: [
    {
      provide: UserMeetingPreferences,
      inject: [WebexTokenStore, ConnectWebexAccount, WebexAccountStream, EVENT_STORE],
      useFactory: (
        tokens: WebexTokenStore,
        accounts: ConnectWebexAccount,
        accountStream: WebexAccountStream,
        eventStore: EventStore,
      ) =>
        new UserMeetingPreferences({
          tokens,
          accounts,
          accountStream,
          // Read when a meeting is created, so a change applies from the next meeting on.
          tenantDefaultTemplate: async (tenantId) =>
            (await recordedTenantSettings(eventStore, tenantId))?.defaultMeetingTemplate ?? undefined,
        }),
    },
  ],
  // For the meetings: where a new one is created.
  exports: [UserMeetingPreferences],
})
export class MeetingPreferencesModule {}
