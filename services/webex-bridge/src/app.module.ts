import { type DynamicModule, Module } from '@nestjs/common';
import { RuntimeModule } from '@scheduler/runtime';
import type { WebexBridgeConfig } from './config.js';

/** Webex OAuth tokens and the crash-safe meeting lifecycle against the Webex API. */
@Module({})
export class WebexBridgeModule {
  static forRoot(config: WebexBridgeConfig): DynamicModule {
    return {
      module: WebexBridgeModule,
      imports: [RuntimeModule.forRoot({ service: 'webex-bridge', config })],
    };
  }
}
