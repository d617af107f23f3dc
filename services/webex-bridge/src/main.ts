import { runService } from '@scheduler/runtime';
import { WebexBridgeModule } from './app.module.js';
import { webexBridgeEnvironment } from './config.js';

await runService({
  service: 'webex-bridge',
  environment: webexBridgeEnvironment,
  module: (config) => WebexBridgeModule.forRoot(config),
  consumesEvents: true,
});
