import { type DynamicModule, Module } from '@nestjs/common';
import { RuntimeModule } from '@scheduler/runtime';
import type { GatewayConfig } from './config.js';
import { GatewayApiModule, type GatewayPorts } from './gateway-api.module.js';

/**
 * REST API for the add-on front end: authenticates Google ID tokens, records user intents,
 * answers queries from read models. The /v1 API is mounted once the ports to google-ingest and
 * webex-bridge are given (their NATS adapters are wired by main.ts); without them only health
 * and metrics are served.
 */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, ports?: GatewayPorts): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        RuntimeModule.forRoot({ service: 'gateway', config }),
        ...(ports ? [GatewayApiModule.forRoot(config, ports)] : []),
      ],
    };
  }
}
