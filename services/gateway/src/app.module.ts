import { type DynamicModule, Module } from '@nestjs/common';
import { RuntimeModule } from '@scheduler/runtime';
import type { GatewayConfig } from './config.js';

/** REST API for the add-on front end: authenticates Google ID tokens, records user intents, answers queries from read models. */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [RuntimeModule.forRoot({ service: 'gateway', config })],
    };
  }
}
