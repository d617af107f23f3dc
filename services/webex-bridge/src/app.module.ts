import { type DynamicModule, Module } from '@nestjs/common';
import { EventPlatformModule, RuntimeModule } from '@scheduler/runtime';
import type { WebexBridgeConfig } from './config.js';
import { AccountErasureModule } from './account-erasure/account-erasure.module.js';
import { MeetingsModule } from './meetings/meetings.module.js';
import { WebexAccountsModule } from './webex-accounts/webex-accounts.module.js';
import { WebexWebhooksModule } from './webex-webhooks/webex-webhooks.module.js';

export interface WebexBridgeModuleOptions {
  /**
   * The name this instance runs under: metrics label, relay checkpoint and (through
   * createServiceApp) the durable consumer's name. Default 'webex-bridge'; tests pass a unique
   * one so that their consumer and relay checkpoint are their own on a shared nats-server.
   */
  readonly service?: string;
}

/** webex-bridge: the meeting streams' one writer, the Webex accounts it acts through, and their webhooks. */
@Module({})
export class WebexBridgeModule {
  static forRoot(config: WebexBridgeConfig, options: WebexBridgeModuleOptions = {}): DynamicModule {
    const service = options.service ?? 'webex-bridge';
    return {
      module: WebexBridgeModule,
      imports: [
        RuntimeModule.forRoot({ service, config }),
        // Its relay publishes the events whose contracts name webex-bridge as their producer.
        EventPlatformModule.forRoot({ service: 'webex-bridge', relayName: service }),
        WebexAccountsModule,
        MeetingsModule,
        WebexWebhooksModule,
        AccountErasureModule,
      ],
    };
  }
}
