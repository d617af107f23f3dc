import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@scheduler/runtime';
import { type RateLimitScope, TooManyRequestsError } from '../api-errors/api-errors.js';
import type { GatewayConfig } from '../config.js';
import { TokenBuckets } from './token-buckets.js';

/**
 * The gateway's request limits, per user and per client address, kept in this replica's memory:
 * behind N replicas without session affinity a caller gets up to N times the limit. That bounds
 * abuse without a round trip to a shared store on every request; a shared store would make the
 * limit exact across replicas.
 */
@Injectable()
export class RequestLimits {
  private readonly byScope: Record<RateLimitScope, TokenBuckets | undefined>;

  constructor(@Inject(SERVICE_CONFIG) config: GatewayConfig) {
    const buckets = (limit: number) =>
      limit === 0 ? undefined : new TokenBuckets({ limit, windowMs: config.RATE_LIMIT_WINDOW_MS });
    this.byScope = {
      user: buckets(config.RATE_LIMIT_PER_USER),
      ip: buckets(config.RATE_LIMIT_PER_IP),
    };
  }

  /** Counts one request of the key; throws a 429 (with Retry-After) when it is over the limit. */
  admit(scope: RateLimitScope, key: string): void {
    const admission = this.byScope[scope]?.take(key);
    if (admission && !admission.allowed)
      throw new TooManyRequestsError(scope, Math.max(1, Math.ceil(admission.retryAfterMs / 1000)));
  }
}
