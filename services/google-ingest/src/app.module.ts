import { type DynamicModule, Module } from '@nestjs/common';
import { EventPlatformModule, RuntimeModule } from '@scheduler/runtime';
import { AccountErasureModule } from './account-erasure/account-erasure.module.js';
import { CalendarEventsModule } from './calendar-events/calendar-events.module.js';
import { CalendarSyncModule } from './calendar-sync/calendar-sync.module.js';
import { ConferenceAttachmentModule } from './conference-attachment/conference-attachment.module.js';
import { ConferenceRemovalModule } from './conference-removal/conference-removal.module.js';
import type { GoogleIngestConfig } from './config.js';
import { GmailEventsModule } from './gmail-events/gmail-events.module.js';
import { GoogleAccountsModule } from './google-accounts/google-accounts.module.js';
import { PrivateDatabaseModule } from './private-database.js';
import { TenantAdministrationModule } from './tenant-administration/tenant-administration.module.js';
import { WatchChannelsModule } from './watch-channels/watch-channels.module.js';
import { WebexDeletionNoticeModule } from './webex-deletion-notice/webex-deletion-notice.module.js';

/** Google OAuth tokens, Calendar watch channels and push webhook, incremental sync, conference data writes. */
@Module({})
export class GoogleIngestModule {
  static forRoot(config: GoogleIngestConfig): DynamicModule {
    return {
      module: GoogleIngestModule,
      imports: [
        RuntimeModule.forRoot({ service: 'google-ingest', config }),
        EventPlatformModule.forRoot({ service: 'google-ingest' }),
        PrivateDatabaseModule,
        GoogleAccountsModule,
        CalendarSyncModule,
        WatchChannelsModule,
        CalendarEventsModule,
        ConferenceAttachmentModule,
        GmailEventsModule,
        ConferenceRemovalModule,
        WebexDeletionNoticeModule,
        TenantAdministrationModule,
        AccountErasureModule,
      ],
    };
  }
}
