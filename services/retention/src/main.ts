import { runService } from '@scheduler/runtime';
import { RetentionModule } from './app.module.js';
import { retentionEnvironment } from './config.js';

await runService({
  service: 'retention',
  environment: retentionEnvironment,
  module: (config) => RetentionModule.forRoot(config),
  consumesEvents: true,
});
