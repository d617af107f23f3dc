import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import { SERVICE_CONFIG } from '@scheduler/runtime';
import type { GatewayConfig } from '../config.js';
import { ClientAddressLimitGuard } from './client-address.guard.js';
import { RequestLimits } from './request-limits.js';

/**
 * Request limits per client address (a global guard on /v1) and per user (counted by the
 * authentication guard once it knows the user). Exports RequestLimits for the latter.
 */
@Module({
  providers: [RequestLimits, { provide: APP_GUARD, useClass: ClientAddressLimitGuard }],
  exports: [RequestLimits],
})
export class RateLimitsModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** The client address is the socket's unless proxies we run (an ingress) put it in X-Forwarded-For. */
  onModuleInit(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance() as
      { set?: (name: string, value: unknown) => void } | undefined;
    instance?.set?.('trust proxy', this.config.TRUSTED_PROXY_HOPS);
  }
}
