import { type DynamicModule, Module } from '@nestjs/common';
import { RuntimeModule } from '@scheduler/runtime';
import type { GoogleIngestConfig } from './config.js';

/** Google OAuth tokens, Calendar watch channels and push webhook, incremental sync, conference data writes. */
@Module({})
export class GoogleIngestModule {
  static forRoot(config: GoogleIngestConfig): DynamicModule {
    return {
      module: GoogleIngestModule,
      imports: [RuntimeModule.forRoot({ service: 'google-ingest', config })],
    };
  }
}
