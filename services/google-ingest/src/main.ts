import { runService } from '@scheduler/runtime';
import { GoogleIngestModule } from './app.module.js';
import { googleIngestEnvironment } from './config.js';

await runService({
  service: 'google-ingest',
  environment: googleIngestEnvironment,
  module: (config) => GoogleIngestModule.forRoot(config),
  consumesEvents: true,
});
