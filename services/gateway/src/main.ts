import { runService } from '@scheduler/runtime';
import { GatewayModule } from './app.module.js';
import { gatewayEnvironment } from './config.js';

await runService({
  service: 'gateway',
  environment: gatewayEnvironment,
  module: (config) => GatewayModule.forRoot(config),
});
