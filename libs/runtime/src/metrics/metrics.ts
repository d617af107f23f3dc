import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { Counter, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/** The process's Prometheus registry; every metric of the service registers here. */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  setServiceLabel(service: string): void {
    this.registry.setDefaultLabels({ service });
  }
}

/**
 * The metric of that name in the registry, or the one `create` makes: several instances of a
 * class (tests, replicas of a component) share one registry, and prom-client refuses a name twice.
 */
export function metricOnce<M extends Metric>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

/** Where a token refresh at an OAuth provider ended. */
export type TokenRefreshOutcome = 'refreshed' | 'rejected' | 'failed';

/**
 * Refreshes of OAuth access tokens, by provider (google, webex) and outcome: refreshed; rejected
 * (the grant is dead, the user must connect again); failed (anything else: the provider or our
 * store failed, the next call refreshes again). google-ingest counts Google's, webex-bridge Webex's.
 */
export function tokenRefreshCounter(registry: Registry): Counter<'provider' | 'outcome'> {
  return metricOnce(
    registry,
    'scheduler_oauth_token_refreshes_total',
    () =>
      new Counter({
        name: 'scheduler_oauth_token_refreshes_total',
        help: 'OAuth access-token refreshes, by provider and outcome: refreshed, rejected (reconnect needed), failed',
        labelNames: ['provider', 'outcome'],
        registers: [registry],
      }),
  );
}

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
