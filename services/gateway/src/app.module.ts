import { type DynamicModule, Module } from '@nestjs/common';
import { EventPlatformModule, RuntimeModule } from '@scheduler/runtime';
import type { GatewayConfig } from './config.js';
import { GatewayApiModule, type GatewayPorts } from './gateway-api.module.js';

/**
 * REST API for the add-on front end: authenticates Google ID tokens, passes user intents on as
 * commands to the services that own them, answers queries from read models. google-ingest and
 * webex-bridge are reached over NATS commands unless a test passes other `ports`. The gateway
 * produces no events, so its event platform runs no relay.
 */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, ports?: GatewayPorts): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        RuntimeModule.forRoot({ service: 'gateway', config }),
        EventPlatformModule.forRoot({ service: 'gateway' }),
        GatewayApiModule.forRoot(config, ports),
      ],
    };
  }
}
