import { type DynamicModule, Module } from '@nestjs/common';
import { EventPlatformModule, RuntimeModule } from '@scheduler/runtime';
import type { GoogleIngestConfig } from './config.js';
import { CalendarWebhookController } from './wiring/calendar-webhook.controller.js';
import { GoogleIngestHandlers } from './wiring/google-ingest.handlers.js';
import { GoogleIngestLifecycle } from './wiring/google-ingest.lifecycle.js';
import { googleIngestProviders } from './wiring/providers.js';

/** Google OAuth tokens, Calendar watch channels and push webhook, incremental sync, conference data writes. */
@Module({})
export class GoogleIngestModule {
  static forRoot(config: GoogleIngestConfig): DynamicModule {
    return {
      module: GoogleIngestModule,
      imports: [
        RuntimeModule.forRoot({ service: 'google-ingest', config }),
        EventPlatformModule.forRoot({ service: 'google-ingest' }),
      ],
      controllers: [GoogleIngestHandlers, CalendarWebhookController],
      providers: [...googleIngestProviders, GoogleIngestLifecycle],
    };
  }
}
