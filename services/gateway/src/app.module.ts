import { type DynamicModule, Module } from '@nestjs/common';
import { MeetingRequested } from '@scheduler/contracts';
import { EventPlatformModule, RuntimeModule } from '@scheduler/runtime';
import type { GatewayConfig } from './config.js';
import { GatewayApiModule, type GatewayPorts } from './gateway-api.module.js';

/**
 * REST API for the add-on front end: authenticates Google ID tokens, records user intents,
 * answers queries from read models. google-ingest and webex-bridge are reached over NATS
 * commands unless a test passes other `ports`. Its relay publishes MeetingRequested — every
 * MeetingRequested in the store, including the copies webex-bridge appends: one relay per
 * event type.
 */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, ports?: GatewayPorts): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        RuntimeModule.forRoot({ service: 'gateway', config }),
        EventPlatformModule.forRoot({ service: 'gateway', produces: [MeetingRequested] }),
        GatewayApiModule.forRoot(config, ports),
      ],
    };
  }
}
