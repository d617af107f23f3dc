import { type DynamicModule, Module } from '@nestjs/common';
import {
  CalendarEventChanged,
  CalendarSyncReset,
  CalendarWatchRenewed,
  CalendarWatchStarted,
  CalendarWatchStopped,
  ConferenceAttached,
  GoogleAccountConnected,
  WebexSiteResolved,
} from '@scheduler/contracts';
import { EventPlatformModule, RuntimeModule } from '@scheduler/runtime';
import type { GoogleIngestConfig } from './config.js';
import { CalendarWebhookController } from './wiring/calendar-webhook.controller.js';
import { GoogleIngestHandlers } from './wiring/google-ingest.handlers.js';
import { GoogleIngestLifecycle } from './wiring/google-ingest.lifecycle.js';
import { googleIngestProviders } from './wiring/providers.js';

/**
 * The event types google-ingest appends. Each type has exactly one publishing relay in the
 * deployment: WebexSiteResolved is also appended by webex-bridge, and this relay publishes both.
 */
export const googleIngestProducedEvents = [
  GoogleAccountConnected,
  WebexSiteResolved,
  CalendarWatchStarted,
  CalendarWatchRenewed,
  CalendarWatchStopped,
  CalendarSyncReset,
  CalendarEventChanged,
  ConferenceAttached,
] as const;

/** Google OAuth tokens, Calendar watch channels and push webhook, incremental sync, conference data writes. */
@Module({})
export class GoogleIngestModule {
  static forRoot(config: GoogleIngestConfig): DynamicModule {
    return {
      module: GoogleIngestModule,
      imports: [
        RuntimeModule.forRoot({ service: 'google-ingest', config }),
        EventPlatformModule.forRoot({ service: 'google-ingest', produces: googleIngestProducedEvents }),
      ],
      controllers: [GoogleIngestHandlers, CalendarWebhookController],
      providers: [...googleIngestProviders, GoogleIngestLifecycle],
    };
  }
}
